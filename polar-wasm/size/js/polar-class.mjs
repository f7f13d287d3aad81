// The same job with Polar's JS SDK (1.x), the usual way: the client of every service.
import { createPolar } from "@polar-sh/sdk/2026-10";

export async function createCustomerSession(baseUrl, accessToken, customerId) {
  const polar = createPolar({ accessToken, baseUrl });
  const session = await polar.customerSessions.create({ customer_id: customerId });
  return session.customer_portal_url;
}
