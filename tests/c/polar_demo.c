/*
 * polar_demo.c: drives polar-rs's core from C through polar-ffi (include/polar.h), with a raw
 * POSIX socket as the HTTP transport (HTTP/1.1, `Connection: close`).
 *
 *   polar_demo PORT [CUSTOMER_ID]
 *
 * Against a local mock of Polar (Prism) on 127.0.0.1:PORT: creates a customer session for a
 * customer id (the seed example), lists products through every page, gets a declared API
 * error, then feeds the library bad input (unknown operation, mismatched parameters, the
 * response of another operation, wrong call order, double frees, NULL pointers, invalid
 * UTF-8 and JSON) and checks each gives its documented code. Ends by checking no buffer is
 * left alive. Exits 0 when every check passed. polar-ffi/tests/hosts.rs builds and runs it
 * (under valgrind when installed).
 */
#include "polar.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int checks = 0;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

/* A C string as a (pointer, length) pair. */
#define S(str) (const uint8_t *)(str), strlen(str)

/* A call's code, checked, with the error's details printed on mismatch. */
#define EXPECT(call, want, err)                                                          \
    do {                                                                                 \
        int32_t rc_ = (call);                                                            \
        CHECK(rc_ == (want), "got %s (%d), want %s; kind=%s message=%s",                 \
              polar_code_name(rc_), rc_, polar_code_name(want),                          \
              (err)->kind.data ? (const char *)(err)->kind.data : "-",                   \
              (err)->message.data ? (const char *)(err)->message.data : "-");            \
    } while (0)

static int port;
static char config[256];

/* ---- transport: one HTTP/1.1 exchange over a raw socket ---- */

typedef struct {
    int status;
    char *raw;          /* everything received (owned) */
    const char *head;   /* status line and headers, inside raw */
    size_t head_len;
    char *body;         /* the body: inside raw, or `dechunked` */
    size_t body_len;
    char *dechunked;    /* owned when the response was chunked */
} HttpResponse;

static void http_response_free(HttpResponse *r) {
    free(r->raw);
    free(r->dechunked);
    memset(r, 0, sizeof *r);
}

static int write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int contains_ci(const char *hay, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        size_t j = 0;
        while (j < n && tolower((unsigned char)hay[i + j]) == tolower((unsigned char)needle[j])) j++;
        if (j == n) return 1;
    }
    return 0;
}

/* Decodes a chunked body into a new buffer. */
static void dechunk(HttpResponse *r) {
    char *out = malloc(r->body_len + 1);
    size_t o = 0, i = 0;
    CHECK(out != NULL, "out of memory");
    while (i < r->body_len) {
        char *end;
        unsigned long size = strtoul(r->body + i, &end, 16);
        char *crlf = strstr(end, "\r\n");
        CHECK(crlf != NULL, "bad chunk header");
        i = (size_t)(crlf - r->body) + 2;
        if (size == 0) break;
        CHECK(i + size <= r->body_len, "truncated chunk");
        memcpy(out + o, r->body + i, size);
        o += size;
        i += size + 2;
    }
    out[o] = 0;
    r->dechunked = out;
    r->body = out;
    r->body_len = o;
}

/* Sends `req` (plus `extra_headers`, "Name: value\r\n" lines or "") to 127.0.0.1:port. */
static void http_send(const PolarRequest *req, const char *extra_headers, HttpResponse *resp) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0, "socket()");
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0, "connect to port %d", port);

    /* Every PolarBuffer is NUL-terminated: method, target and headers are C strings. */
    size_t cap = req->headers.len + strlen(extra_headers) + req->target.len + 256;
    char *head = malloc(cap);
    CHECK(head != NULL, "out of memory");
    int n = snprintf(head, cap,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                     "Content-Length: %zu\r\n%s%s\r\n",
                     (const char *)req->method.data, (const char *)req->target.data, port,
                     req->body.len, (const char *)req->headers.data, extra_headers);
    CHECK(n > 0 && (size_t)n < cap, "request head too long");
    CHECK(write_all(fd, head, (size_t)n) == 0, "write head");
    free(head);
    if (req->body.len > 0) CHECK(write_all(fd, req->body.data, req->body.len) == 0, "write body");

    size_t len = 0, size = 8192;
    char *raw = malloc(size + 1);
    CHECK(raw != NULL, "out of memory");
    for (;;) {
        if (len == size) {
            size *= 2;
            char *bigger = realloc(raw, size + 1);
            CHECK(bigger != NULL, "out of memory");
            raw = bigger;
        }
        ssize_t got = read(fd, raw + len, size - len);
        CHECK(got >= 0, "read");
        if (got == 0) break;
        len += (size_t)got;
    }
    close(fd);
    raw[len] = 0;

    memset(resp, 0, sizeof *resp);
    resp->raw = raw;
    char *end = strstr(raw, "\r\n\r\n");
    CHECK(end != NULL, "no end of headers in %zu bytes", len);
    CHECK(sscanf(raw, "HTTP/1.%*d %d", &resp->status) == 1, "bad status line");
    resp->head = raw;
    resp->head_len = (size_t)(end - raw) + 2;
    resp->body = end + 4;
    resp->body_len = len - (size_t)(resp->body - raw);
    if (contains_ci(resp->head, resp->head_len, "transfer-encoding: chunked")) dechunk(resp);
}

/* build -> send -> parse, for the happy paths. Returns the parse code; fills *out / *err. */
static int32_t call(const char *op, const char *params, const char *extra_headers,
                    int expect_status, PolarBuffer *out, PolarError *err) {
    PolarRequest req = {0};
    EXPECT(polar_build_request(S(op), S(params), S(config), &req, err), POLAR_OK, err);
    HttpResponse resp;
    http_send(&req, extra_headers, &resp);
    CHECK(resp.status == expect_status, "%s: status %d, want %d: %.*s", op, resp.status,
          expect_status, (int)resp.body_len, resp.body);
    /* The whole header section, status line included: the library skips that line. */
    int32_t rc = polar_parse_response(S(op), (uint16_t)resp.status, (const uint8_t *)resp.head,
                                      resp.head_len, (const uint8_t *)resp.body, resp.body_len,
                                      out, err);
    http_response_free(&resp);
    CHECK(polar_request_free(&req) == POLAR_OK, "request_free");
    return rc;
}

/* ---- the seed example and pagination ---- */

static void seed_example(const char *customer_id) {
    char params[256];
    snprintf(params, sizeof params, "{\"body\":{\"customer_id\":\"%s\"}}", customer_id);
    PolarRequest req = {0};
    PolarError err = {0};
    EXPECT(polar_build_request(S("customer-sessions:create"), S(params), S(config), &req, &err),
           POLAR_OK, &err);
    CHECK(strcmp((const char *)req.method.data, "POST") == 0, "method %s", req.method.data);
    CHECK(strcmp((const char *)req.target.data, "/v1/customer-sessions/") == 0, "target %s",
          req.target.data);
    CHECK(strstr((const char *)req.headers.data, "authorization: Bearer polar_oat_c_demo\r\n"),
          "headers %s", req.headers.data);
    CHECK(strstr((const char *)req.body.data, customer_id) != NULL, "body %s", req.body.data);
    polar_request_free(&req);

    PolarBuffer session = {0};
    EXPECT(call("customer-sessions:create", params, "", 201, &session, &err), POLAR_OK, &err);
    CHECK(strstr((const char *)session.data, "\"customer_portal_url\"") != NULL, "%s",
          session.data);
    printf("customer session: %.120s...\n", (const char *)session.data);
    CHECK(polar_buffer_free(&session) == POLAR_OK, "free session");
}

/* Lists every product page; returns the number of pages, and a copy of the first page. */
static int list_products(char **first_page) {
    char *params = strdup("{\"limit\":10}");
    int pages = 0;
    PolarError err = {0};
    *first_page = NULL;
    while (params != NULL) {
        CHECK(++pages <= 100, "more than 100 pages: pagination does not stop");
        PolarBuffer page = {0};
        EXPECT(call("products:list", params, "", 200, &page, &err), POLAR_OK, &err);
        CHECK(strstr((const char *)page.data, "\"pagination\"") != NULL, "%s", page.data);
        printf("products page %d (%s): %zu bytes of JSON\n", pages, params, page.len);
        if (*first_page == NULL) *first_page = strdup((const char *)page.data);

        PolarBuffer next = {0};
        EXPECT(polar_next_page(S("products:list"), S(params), page.data, page.len, &next, &err),
               POLAR_OK, &err);
        free(params);
        params = next.len > 0 ? strdup((const char *)next.data) : NULL;
        polar_buffer_free(&next);
        polar_buffer_free(&page);
    }
    return pages;
}

static void pagination_rules(void) {
    PolarError err = {0};
    PolarBuffer next = {0};
    const char *three_pages = "{\"items\":[],\"pagination\":{\"total_count\":25,\"max_page\":3}}";
    EXPECT(polar_next_page(S("products:list"), S("{\"limit\":10}"), S(three_pages), &next, &err),
           POLAR_OK, &err);
    CHECK(strcmp((const char *)next.data, "{\"limit\":10,\"page\":2}") == 0, "%s", next.data);
    polar_buffer_free(&next);
    EXPECT(polar_next_page(S("products:list"), S("{\"page\":3}"), S(three_pages), &next, &err),
           POLAR_OK, &err);
    CHECK(next.len == 0 && next.data == NULL, "a page after the last one");
    /* Cursor-style lists (events:list) say has_next_page. */
    EXPECT(polar_next_page(S("events:list"), S("{}"),
                           S("{\"items\":[],\"pagination\":{\"has_next_page\":true}}"), &next,
                           &err),
           POLAR_OK, &err);
    CHECK(strcmp((const char *)next.data, "{\"page\":2}") == 0, "%s", next.data);
    polar_buffer_free(&next);
    EXPECT(polar_next_page(S("customer-sessions:create"), S("{}"), S("{}"), &next, &err),
           POLAR_ERR_NOT_PAGINATED, &err);
    polar_error_free(&err);
}

/* A declared error status: Prism answers 404 when asked to (`Prefer: code=404`). */
static void api_error(void) {
    PolarBuffer out = {0};
    PolarError err = {0};
    int32_t rc = call("products:get", "{\"id\":\"00000000-0000-4000-8000-000000000000\"}",
                      "Prefer: code=404\r\n", 404, &out, &err);
    EXPECT(rc, POLAR_ERR_API, &err);
    CHECK(err.code == POLAR_ERR_API && err.status == 404, "code %d status %u", err.code,
          err.status);
    CHECK(strcmp((const char *)err.kind.data, "not_found") == 0, "kind %s", err.kind.data);
    CHECK(err.model.len > 0 && err.model.data[0] == '{', "model %s",
          err.model.data ? (const char *)err.model.data : "(empty)");
    CHECK(out.len == 0 && out.data == NULL, "no output on failure");
    printf("declared error: %s / %s / model %s\n", (const char *)err.kind.data,
           (const char *)err.message.data, (const char *)err.model.data);
    CHECK(polar_error_free(&err) == POLAR_OK, "free error");
}

/* ---- bad input: each gives its documented code, never a crash ---- */

static void bad_input(const char *products_page) {
    PolarRequest req = {0};
    PolarBuffer out = {0};
    PolarError err = {0};

    /* Unknown operationId. */
    EXPECT(polar_build_request(S("products:frobnicate"), S("{}"), S(config), &req, &err),
           POLAR_ERR_UNKNOWN_OPERATION, &err);
    CHECK(strcmp((const char *)err.kind.data, "unknown_operation") == 0, "%s", err.kind.data);
    polar_error_free(&err);
    EXPECT(polar_parse_response(S("nope"), 200, NULL, 0, S("{}"), &out, &err),
           POLAR_ERR_UNKNOWN_OPERATION, &err);
    polar_error_free(&err);

    /* Parameters that don't match the operation. */
    EXPECT(polar_build_request(S("customer-sessions:create"), S("{\"bogus\":1}"), S(config), &req,
                               &err),
           POLAR_ERR_BUILD, &err);
    CHECK(strcmp((const char *)err.kind.data, "invalid_parameter") == 0, "%s", err.kind.data);
    polar_error_free(&err);
    EXPECT(polar_build_request(S("products:list"), S("{\"limit\":\"ten\"}"), S(config), &req,
                               &err),
           POLAR_ERR_BUILD, &err);
    polar_error_free(&err);
    EXPECT(polar_build_request(S("products:get"), S("{}"), S(config), &req, &err), POLAR_ERR_BUILD,
           &err);
    polar_error_free(&err);
    /* A credential the operation does not take. */
    EXPECT(polar_build_request(S("products:list"), S("{}"), S("{\"token\":\"x\",\"credential\":\"customer_session\"}"),
                               &req, &err),
           POLAR_ERR_BUILD, &err);
    CHECK(strcmp((const char *)err.kind.data, "credential_not_accepted") == 0, "%s",
          err.kind.data);
    polar_error_free(&err);
    /* Not JSON, not an object, a bad config. */
    EXPECT(polar_build_request(S("products:list"), S("{"), S(config), &req, &err),
           POLAR_ERR_INVALID_JSON, &err);
    polar_error_free(&err);
    EXPECT(polar_build_request(S("products:list"), S("[1]"), S(config), &req, &err),
           POLAR_ERR_INVALID_JSON, &err);
    polar_error_free(&err);
    EXPECT(polar_build_request(S("products:list"), S("{}"), S("{\"base_uri\":\"x\"}"), &req, &err),
           POLAR_ERR_INVALID_ARGUMENT, &err);
    polar_error_free(&err);

    /* The response of another operation: a products page as a customer session. */
    EXPECT(polar_parse_response(S("customer-sessions:create"), 201,
                                S("Content-Type: application/json\r\n"), S(products_page), &out,
                                &err),
           POLAR_ERR_DECODE, &err);
    CHECK(err.status == 201 && strstr((const char *)err.message.data, "$") != NULL, "%s",
          err.message.data);
    polar_error_free(&err);
    /* A status nobody declared; an impossible status; a malformed header block. */
    EXPECT(polar_parse_response(S("products:list"), 418, NULL, 0, S("teapot"), &out, &err),
           POLAR_ERR_UNEXPECTED_STATUS, &err);
    CHECK(err.status == 418 && err.body.len == 6, "status %u body %zu", err.status, err.body.len);
    polar_error_free(&err);
    EXPECT(polar_parse_response(S("products:list"), 42, NULL, 0, S("{}"), &out, &err),
           POLAR_ERR_INVALID_ARGUMENT, &err);
    polar_error_free(&err);
    EXPECT(polar_parse_response(S("products:list"), 200, S("no colon here\r\n"), S("{}"), &out,
                                &err),
           POLAR_ERR_INVALID_ARGUMENT, &err);
    polar_error_free(&err);

    /* NULL pointers: a required input, an output, a buffer with a length; err may be NULL. */
    EXPECT(polar_build_request(NULL, 0, S("{}"), S(config), &req, &err), POLAR_ERR_NULL_POINTER,
           &err);
    polar_error_free(&err);
    EXPECT(polar_build_request(S("products:list"), S("{}"), S(config), NULL, &err),
           POLAR_ERR_NULL_POINTER, &err);
    polar_error_free(&err);
    EXPECT(polar_parse_response(S("products:list"), 200, NULL, 0, NULL, 5, &out, &err),
           POLAR_ERR_NULL_POINTER, &err);
    polar_error_free(&err);
    CHECK(polar_build_request(S("nope"), S("{}"), S(config), &req, NULL) ==
              POLAR_ERR_UNKNOWN_OPERATION,
          "err may be NULL");
    CHECK(polar_buffer_free(NULL) == POLAR_ERR_NULL_POINTER, "free(NULL)");
    CHECK(polar_request_free(NULL) == POLAR_ERR_NULL_POINTER, "request_free(NULL)");
    CHECK(polar_error_free(NULL) == POLAR_ERR_NULL_POINTER, "error_free(NULL)");
    CHECK(polar_operations(NULL, NULL) == POLAR_ERR_NULL_POINTER, "operations(NULL)");

    /* Invalid UTF-8 in the operation id, the parameters, a secret. */
    EXPECT(polar_build_request(S("products\xff:list"), S("{}"), S(config), &req, &err),
           POLAR_ERR_INVALID_UTF8, &err);
    polar_error_free(&err);
    EXPECT(polar_build_request(S("products:list"), S("{\"query\":\"\xc3\"}"), S(config), &req,
                               &err),
           POLAR_ERR_INVALID_UTF8, &err);
    polar_error_free(&err);
    EXPECT(polar_webhook_verify(S("webhook-id: a\r\n"), S("{}"), S("whsec_\xfe"), 0, &out, &err),
           POLAR_ERR_INVALID_UTF8, &err);
    polar_error_free(&err);

    /* Wrong order: building into a request that still holds buffers, reusing an unfreed
     * error. Both are refused and leave the struct as it was. */
    EXPECT(polar_build_request(S("products:list"), S("{}"), S(config), &req, &err), POLAR_OK,
           &err);
    PolarRequest before = req;
    EXPECT(polar_build_request(S("products:list"), S("{}"), S(config), &req, &err),
           POLAR_ERR_OUT_NOT_EMPTY, &err);
    CHECK(memcmp(&before, &req, sizeof req) == 0, "a refused call changed its output");
    polar_error_free(&err);
    EXPECT(polar_build_request(S("nope"), S("{}"), S(config), &req, &err),
           POLAR_ERR_OUT_NOT_EMPTY, &err); /* `out` is checked first */
    polar_error_free(&err);
    PolarRequest empty = {0};
    EXPECT(polar_build_request(S("nope"), S("{}"), S(config), &empty, &err),
           POLAR_ERR_UNKNOWN_OPERATION, &err);
    PolarError err_before = err;
    CHECK(polar_build_request(S("nope"), S("{}"), S(config), &empty, &err) ==
              POLAR_ERR_OUT_NOT_EMPTY,
          "an unfreed err is refused");
    /* (Fields, not memcmp: the struct has padding.) */
    CHECK(err.code == err_before.code && err.kind.id == err_before.kind.id &&
              err.message.id == err_before.message.id && err.message.data == err_before.message.data,
          "a refused call changed err");
    polar_error_free(&err);

    /* Double frees: through the same struct is a no-op; through a stale copy it is
     * detected. */
    PolarBuffer copy = req.url;
    CHECK(polar_request_free(&req) == POLAR_OK, "first free");
    CHECK(req.url.data == NULL && req.url.len == 0 && req.url.id == 0, "freed struct zeroed");
    CHECK(polar_request_free(&req) == POLAR_OK, "second free through the same struct");
    CHECK(polar_buffer_free(&copy) == POLAR_ERR_INVALID_HANDLE, "stale copy");
    CHECK(copy.data == NULL, "stale copy zeroed");
    PolarBuffer garbage = {(const uint8_t *)"x", 1, 0xdeadbeef};
    CHECK(polar_buffer_free(&garbage) == POLAR_ERR_INVALID_HANDLE, "garbage");
    PolarError e2 = {0};
    CHECK(polar_error_free(&e2) == POLAR_OK, "freeing a zeroed error");

    /* Code names are static strings. */
    CHECK(strcmp(polar_code_name(POLAR_ERR_DECODE), "POLAR_ERR_DECODE") == 0, "code name");
    CHECK(strcmp(polar_code_name(12345), "POLAR_ERR_UNKNOWN_CODE") == 0, "unknown code name");
}

/* ---- retry decisions ---- */

static void retries(void) {
    PolarRetryDecision d;
    PolarError err = {0};
    EXPECT(polar_retry_decide(S("GET"), false, 1, POLAR_OUTCOME_RESPONSE, 503, S("2"), 0, 0, 0.5,
                              &d, &err),
           POLAR_OK, &err);
    CHECK(d.retry && d.wait_ms == 2000, "retry=%d wait=%llu", d.retry,
          (unsigned long long)d.wait_ms);
    EXPECT(polar_retry_decide(S("POST"), false, 1, POLAR_OUTCOME_RESPONSE, 503, NULL, 0, 0, 0, 0.5,
                              &d, &err),
           POLAR_OK, &err);
    CHECK(!d.retry && d.wait_ms == 0, "a POST that reached the server is not repeated");
    EXPECT(polar_retry_decide(S("POST"), false, 1, POLAR_OUTCOME_NOT_SENT, 0, NULL, 0, 0, 0, 0.0,
                              &d, &err),
           POLAR_OK, &err);
    CHECK(d.retry && d.wait_ms == 250, "wait %llu", (unsigned long long)d.wait_ms);
    EXPECT(polar_retry_decide(S("GET"), false, 4, POLAR_OUTCOME_INTERRUPTED, 0, NULL, 0, 0, 0, 0.5,
                              &d, &err),
           POLAR_OK, &err);
    CHECK(!d.retry, "four attempts at most");
    EXPECT(polar_retry_decide(S("GET"), false, 1, 7, 0, NULL, 0, 0, 0, 0.5, &d, &err),
           POLAR_ERR_INVALID_ARGUMENT, &err);
    polar_error_free(&err);
    EXPECT(polar_retry_decide(S("GET"), false, 0, POLAR_OUTCOME_NOT_SENT, 0, NULL, 0, 0, 0, 0.5, &d,
                              &err),
           POLAR_ERR_INVALID_ARGUMENT, &err);
    polar_error_free(&err);
    EXPECT(polar_retry_decide(S("GET"), false, 1, POLAR_OUTCOME_NOT_SENT, 0, NULL, 0, 0, 0, 0.5,
                              NULL, &err),
           POLAR_ERR_NULL_POINTER, &err);
    polar_error_free(&err);
}

/* ---- webhooks: a delivery signed with Standard Webhooks (HMAC-SHA256) ---- */

static void webhooks(void) {
    const char *secret = "whsec_cG9sYXItZmZpLWMtZGVtby1rZXktMDEyMzQ1Njc4OSEh";
    const char *body =
        "{\"type\":\"polar_ffi.test\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{\"ok\":true}}";
    const char *headers = "webhook-id: msg_c_demo_1\r\n"
                          "webhook-timestamp: 1767225600\r\n"
                          "webhook-signature: v1,m6VvxigV+kx1Gl0Ojl6nMGevunol8IydfQpme6eCwyo=\r\n";
    PolarBuffer event = {0};
    PolarError err = {0};
    EXPECT(polar_webhook_verify(S(headers), S(body), S(secret), 1767225600 + 60, &event, &err),
           POLAR_OK, &err);
    CHECK(strstr((const char *)event.data, "polar_ffi.test") != NULL, "%s", event.data);
    polar_buffer_free(&event);
    /* Too late, another body, missing headers. */
    EXPECT(polar_webhook_verify(S(headers), S(body), S(secret), 1767225600 + 301, &event, &err),
           POLAR_ERR_WEBHOOK, &err);
    CHECK(strcmp((const char *)err.kind.data, "timestamp_too_old") == 0, "%s", err.kind.data);
    polar_error_free(&err);
    EXPECT(polar_webhook_verify(S(headers), S("{}"), S(secret), 1767225600, &event, &err),
           POLAR_ERR_WEBHOOK, &err);
    CHECK(strcmp((const char *)err.kind.data, "no_matching_signature") == 0, "%s", err.kind.data);
    polar_error_free(&err);
    EXPECT(polar_webhook_verify(NULL, 0, S(body), S(secret), 1767225600, &event, &err),
           POLAR_ERR_WEBHOOK, &err);
    CHECK(strcmp((const char *)err.kind.data, "missing_header") == 0, "%s", err.kind.data);
    polar_error_free(&err);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [CUSTOMER_ID]\n", argv[0]);
        return 2;
    }
    port = atoi(argv[1]);
    const char *customer_id = argc > 2 ? argv[2] : "00000000-0000-4000-8000-000000000000";
    snprintf(config, sizeof config,
             "{\"base_url\":\"http://127.0.0.1:%d\",\"token\":\"polar_oat_c_demo\"}", port);

    PolarBuffer ops = {0};
    CHECK(polar_operations(&ops, NULL) == POLAR_OK, "operations");
    CHECK(strstr((const char *)ops.data, "\"id\":\"products:list\"") != NULL, "operations list");
    polar_buffer_free(&ops);

    seed_example(customer_id);
    char *first_page = NULL;
    int pages = list_products(&first_page);
    printf("listed products through %d page(s)\n", pages);
    pagination_rules();
    api_error();
    bad_input(first_page);
    free(first_page);
    retries();
    webhooks();

    size_t live = polar_live_buffers();
    CHECK(live == 0, "%zu buffer(s) never freed", live);
    printf("polar_demo: %d checks passed, 0 buffers alive\n", checks);
    return 0;
}
