// The same job with Polar's JS SDK (1.x), tree-shaken: the core client and one service.
import { createPolarCore } from "@polar-sh/sdk/2026-10";
import { createCustomerSessions } from "@polar-sh/sdk/2026-10/services/customer_sessions";

export async function createCustomerSession(baseUrl, accessToken, customerId) {
  const core = createPolarCore({ accessToken, baseUrl });
  const session = await createCustomerSessions(core)({ customer_id: customerId });
  return session.customer_portal_url;
}
