/*
 * polar_demo.c: drives polar-rs's core from C through polarsh-ffi (include/polar.h), with a raw
 * POSIX socket as the HTTP transport (HTTP/1.1, `Connection: close`).
 *
 *   polar_demo PORT [CUSTOMER_ID]
 *
 * Against a local mock of Polar (Prism) on 127.0.0.1:PORT. Everything goes through the
 * library's exchanges: this program sends the request a step names, sleeps the time a step
 * names and hands back what came, and keeps no retry or paging rule of its own. It creates
 * a customer session for a customer id (the seed example), walks every product page and
 * every product, gets a declared API error, retries a refused connection as the exchange
 * says (with real sleeps), then feeds the library bad input (unknown operation, mismatched
 * parameters, the response of another operation, exchanges driven out of order, garbage
 * and stale handles, double frees, NULL pointers, invalid UTF-8 and JSON) and checks each
 * gives its documented code. Ingests a few usage events through a queue, driven as a
 * host's background thread would (Prism must find each batch request valid). Ends by checking no buffer and no exchange is left alive.
 * Exits 0 when every check passed. polar-ffi/tests/hosts.rs builds and runs it (under
 * valgrind when installed).
 */
#include "polar.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
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

/* ---- the host's share: a clock, a random number, sleep ---- */

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static double jitter(void) { return (double)rand() / ((double)RAND_MAX + 1.0); }

static void sleep_ms(uint64_t ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

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

static const char *find_ci(const char *hay, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        size_t j = 0;
        while (j < n && tolower((unsigned char)hay[i + j]) == tolower((unsigned char)needle[j])) j++;
        if (j == n) return hay + i;
    }
    return NULL;
}

static int contains_ci(const char *hay, size_t len, const char *needle) {
    return find_ci(hay, len, needle) != NULL;
}

/* Decodes a chunked body into a new buffer; 0, or -1 when it is truncated or malformed. */
static int dechunk(HttpResponse *r) {
    char *out = malloc(r->body_len + 1);
    size_t o = 0, i = 0;
    CHECK(out != NULL, "out of memory");
    while (i < r->body_len) {
        char *end;
        unsigned long size = strtoul(r->body + i, &end, 16);
        char *crlf = strstr(end, "\r\n");
        if (crlf == NULL) break;
        i = (size_t)(crlf - r->body) + 2;
        if (size == 0) {
            out[o] = 0;
            r->dechunked = out;
            r->body = out;
            r->body_len = o;
            return 0;
        }
        if (i + size > r->body_len) break;
        memcpy(out + o, r->body + i, size);
        o += size;
        i += size + 2;
    }
    free(out);
    return -1;
}

/* "http://host[:port]/..." -> host and port. 0, or -1 for a URL this transport cannot send. */
static int parse_url(const char *url, char *host, size_t host_cap, char *port_out, size_t port_cap) {
    if (strncmp(url, "http://", 7) != 0) return -1;
    const char *h = url + 7;
    size_t n = strcspn(h, ":/");
    if (n == 0 || n >= host_cap) return -1;
    memcpy(host, h, n);
    host[n] = 0;
    if (h[n] == ':') {
        size_t p = strcspn(h + n + 1, "/");
        if (p == 0 || p >= port_cap) return -1;
        memcpy(port_out, h + n + 1, p);
        port_out[p] = 0;
    } else {
        snprintf(port_out, port_cap, "80");
    }
    return 0;
}

/* Sends what a SEND step says, within its limits. Returns 0 with *resp filled, or the
 * POLAR_FAULT_* that says why no response came (with `why` set). */
static int http_send(const PolarStep *step, HttpResponse *resp, const char **why) {
    const PolarRequest *req = &step->request;
    char host[256], service[16];
    memset(resp, 0, sizeof *resp);
    if (parse_url((const char *)req->url.data, host, sizeof host, service, sizeof service) != 0) {
        *why = "this transport sends http:// URLs only";
        return POLAR_FAULT_ABORTED;
    }
    struct addrinfo hints, *addrs = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, service, &hints, &addrs) != 0 || addrs == NULL) {
        *why = "cannot resolve the host";
        return POLAR_FAULT_NOT_SENT;
    }
    int fd = socket(addrs->ai_family, addrs->ai_socktype, addrs->ai_protocol);
    CHECK(fd >= 0, "socket()");
    /* The step's time limit, on every read and write (connect included on Linux). */
    struct timeval tv = {(time_t)(step->timeout_ms / 1000),
                         (suseconds_t)(step->timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int connected = connect(fd, addrs->ai_addr, addrs->ai_addrlen);
    freeaddrinfo(addrs);
    if (connected != 0) {
        *why = strerror(errno);
        close(fd);
        return POLAR_FAULT_NOT_SENT;
    }

    /* Every PolarBuffer is NUL-terminated: method, target and headers are C strings. */
    size_t cap = req->headers.len + req->target.len + strlen(host) + 256;
    char *head = malloc(cap);
    CHECK(head != NULL, "out of memory");
    int n = snprintf(head, cap,
                     "%s %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n"
                     "Content-Length: %zu\r\n%s\r\n",
                     (const char *)req->method.data, (const char *)req->target.data, host,
                     service, req->body.len, (const char *)req->headers.data);
    CHECK(n > 0 && (size_t)n < cap, "request head too long");
    int written = write_all(fd, head, (size_t)n);
    free(head);
    if (written == 0 && req->body.len > 0) written = write_all(fd, req->body.data, req->body.len);
    if (written != 0) {
        *why = strerror(errno);
        close(fd);
        return POLAR_FAULT_INTERRUPTED;
    }

    size_t len = 0, size = 8192;
    char *raw = malloc(size + 1);
    CHECK(raw != NULL, "out of memory");
    int fault = 0;
    for (;;) {
        if (len == size) {
            size *= 2;
            char *bigger = realloc(raw, size + 1);
            CHECK(bigger != NULL, "out of memory");
            raw = bigger;
        }
        ssize_t got = read(fd, raw + len, size - len);
        if (got < 0) {
            fault = (errno == EAGAIN || errno == EWOULDBLOCK) ? POLAR_FAULT_TIMED_OUT
                                                             : POLAR_FAULT_INTERRUPTED;
            *why = strerror(errno);
            break;
        }
        if (got == 0) break;
        len += (size_t)got;
        /* Headers included: a rough bound is enough to stop reading. */
        if (len > step->max_response_bytes + 65536) {
            fault = POLAR_FAULT_BODY_TOO_LARGE;
            *why = "";
            break;
        }
    }
    close(fd);
    raw[len] = 0;
    resp->raw = raw;
    char *end = strstr(raw, "\r\n\r\n");
    if (fault == 0 && (end == NULL || sscanf(raw, "HTTP/1.%*d %d", &resp->status) != 1)) {
        fault = POLAR_FAULT_INTERRUPTED;
        *why = "no complete response head";
    }
    if (fault == 0) {
        resp->head = raw;
        resp->head_len = (size_t)(end - raw) + 2;
        resp->body = end + 4;
        resp->body_len = len - (size_t)(resp->body - raw);
        if (contains_ci(resp->head, resp->head_len, "transfer-encoding: chunked") &&
            dechunk(resp) != 0) {
            fault = POLAR_FAULT_INTERRUPTED;
            *why = "truncated chunked body";
        }
    }
    if (fault != 0) http_response_free(resp);
    return fault;
}

/* ---- the exchange loop: send what it says, sleep what it says ---- */

static int sends = 0, sleeps = 0; /* what the loop did, for the checks */

/* Prism names what it finds wrong with a request in an `sl-violations` header (a JSON
 * array of {"location":[...],"severity":...}): none may be an error in the request. */
static void check_no_request_violation(const HttpResponse *resp) {
    const char *v = find_ci(resp->head, resp->head_len, "\r\nsl-violations:");
    if (v == NULL) return;
    const char *end = strstr(v + 2, "\r\n");
    if (end == NULL) end = v + strlen(v);
    for (const char *p = v; (p = strstr(p, "\"location\":[\"request\"")) != NULL && p < end;
         p++) {
        const char *open = p, *close = strchr(p, '}');
        while (open > v && *open != '{') open--;
        int error = 0;
        for (const char *q = open; close != NULL && q + 18 <= close; q++)
            if (strncmp(q, "\"severity\":\"Error\"", 18) == 0) error = 1;
        CHECK(!error, "Prism found the request invalid: %.*s", (int)(end - v), v);
    }
}

/* Sends the request of a SEND step and hands back what came, or the fault that kept it
 * from coming, to `h` (an exchange or an ingest queue: the same calls). With `strict`,
 * checks Prism found nothing wrong with the request. */
static void answer(uint64_t h, const PolarStep *step, int strict) {
    HttpResponse resp;
    const char *why = "";
    sends++;
    int fault = http_send(step, &resp, &why);
    if (fault != 0) {
        CHECK(polar_exchange_fault(h, fault, S(why), NULL) == POLAR_OK, "fault");
        return;
    }
    if (strict) check_no_request_violation(&resp);
    /* The whole header section, status line included: the library skips it. */
    CHECK(polar_exchange_response(h, (uint16_t)resp.status, (const uint8_t *)resp.head,
                                  resp.head_len, (const uint8_t *)resp.body, resp.body_len,
                                  NULL) == POLAR_OK,
          "response");
    http_response_free(&resp);
}

/* Drives exchange `h` to its next result. Returns the poll's code: POLAR_OK with *step a
 * DONE (result in step->result), END or PROGRESS; or an error code with `err` filled
 * (step->kind == POLAR_STEP_DONE when the result itself is that error). The caller frees
 * *step (and err). */
static int32_t drive(uint64_t h, PolarStep *step, PolarError *err) {
    for (;;) {
        int32_t rc = polar_exchange_poll(h, now_ms(), jitter(), step, err);
        if (rc != POLAR_OK) return rc;
        if (step->kind == POLAR_STEP_SEND) {
            answer(h, step, 0);
        } else if (step->kind == POLAR_STEP_WAIT) {
            sleeps++;
            sleep_ms(step->wait_ms);
        } else {
            return rc; /* DONE, END, PROGRESS */
        }
        CHECK(polar_step_free(step) == POLAR_OK, "step_free");
    }
}

/* One call to its end: its result JSON in *out (caller frees with free()), or the code. */
static int32_t call(const char *op, const char *params, const char *cfg, bool repeatable,
                    char **out, PolarError *err) {
    uint64_t h = 0;
    *out = NULL;
    EXPECT(polar_call_new(S(op), S(params), S(cfg), repeatable, &h, err), POLAR_OK, err);
    PolarStep step = {0};
    int32_t rc = drive(h, &step, err);
    CHECK(step.kind == POLAR_STEP_DONE, "a call ends with DONE, got kind %d (%s)", step.kind,
          polar_code_name(rc));
    if (rc == POLAR_OK) *out = strdup((const char *)step.result.data);
    CHECK(polar_step_free(&step) == POLAR_OK, "step_free");
    CHECK(polar_exchange_free(&h) == POLAR_OK && h == 0, "exchange_free");
    return rc;
}

/* ---- the seed example, pages and items ---- */

static void seed_example(const char *customer_id) {
    char params[256];
    snprintf(params, sizeof params, "{\"body\":{\"customer_id\":\"%s\"}}", customer_id);
    PolarError err = {0};

    /* What the exchange sends first: the request the core built. */
    uint64_t h = 0;
    EXPECT(polar_call_new(S("customer-sessions:create"), S(params), S(config), false, &h, &err),
           POLAR_OK, &err);
    PolarStep step = {0};
    EXPECT(polar_exchange_poll(h, now_ms(), jitter(), &step, &err), POLAR_OK, &err);
    CHECK(step.kind == POLAR_STEP_SEND && step.attempt == 1, "kind %d", step.kind);
    CHECK(strcmp((const char *)step.request.method.data, "POST") == 0, "method %s",
          step.request.method.data);
    CHECK(strcmp((const char *)step.request.target.data, "/v1/customer-sessions/") == 0,
          "target %s", step.request.target.data);
    CHECK(strstr((const char *)step.request.headers.data,
                 "authorization: Bearer polar_oat_c_demo\r\n"),
          "headers %s", step.request.headers.data);
    CHECK(strstr((const char *)step.request.body.data, customer_id) != NULL, "body %s",
          step.request.body.data);
    CHECK(step.timeout_ms == 30000 && step.max_response_bytes > 0, "limits %llu",
          (unsigned long long)step.timeout_ms);
    polar_step_free(&step);
    polar_exchange_free(&h);

    /* The whole call. */
    char *session = NULL;
    EXPECT(call("customer-sessions:create", params, config, false, &session, &err), POLAR_OK,
           &err);
    CHECK(strstr(session, "\"customer_portal_url\"") != NULL, "%s", session);
    printf("customer session: %.120s...\n", session);
    free(session);
}

/* Walks every product page; returns the number of pages, and a copy of the first page. */
static int list_products(char **first_page) {
    PolarError err = {0};
    uint64_t h = 0;
    int pages = 0;
    *first_page = NULL;
    EXPECT(polar_pages_new(S("products:list"), S("{\"limit\":10}"), S(config), &h, &err),
           POLAR_OK, &err);
    for (;;) {
        PolarStep step = {0};
        EXPECT(drive(h, &step, &err), POLAR_OK, &err);
        if (step.kind == POLAR_STEP_END) break;
        CHECK(step.kind == POLAR_STEP_DONE, "kind %d", step.kind);
        CHECK(++pages <= 100, "more than 100 pages: the walk does not stop");
        CHECK(strstr((const char *)step.result.data, "\"pagination\"") != NULL, "%s",
              step.result.data);
        printf("products page %d: %zu bytes of JSON\n", pages, step.result.len);
        if (*first_page == NULL) *first_page = strdup((const char *)step.result.data);
        polar_step_free(&step);
    }
    /* A walk that is over stays over. */
    PolarStep step = {0};
    EXPECT(polar_exchange_poll(h, now_ms(), jitter(), &step, &err), POLAR_OK, &err);
    CHECK(step.kind == POLAR_STEP_END, "kind %d", step.kind);
    CHECK(polar_exchange_free(&h) == POLAR_OK, "exchange_free");
    return pages;
}

static int list_every_product(void) {
    PolarError err = {0};
    uint64_t h = 0;
    int items = 0;
    EXPECT(polar_items_new(S("products:list"), S("{\"limit\":10}"), S(config), &h, &err),
           POLAR_OK, &err);
    for (;;) {
        PolarStep step = {0};
        EXPECT(drive(h, &step, &err), POLAR_OK, &err);
        if (step.kind == POLAR_STEP_END) break;
        CHECK(++items <= 10000, "the item walk does not stop");
        CHECK(step.result.data[0] == '{' && strstr((const char *)step.result.data, "\"name\""),
              "%s", step.result.data);
        polar_step_free(&step);
    }
    CHECK(polar_exchange_free(&h) == POLAR_OK, "exchange_free");
    return items;
}

/* A declared error status: Prism answers 404 when asked to (`Prefer: code=404`, an extra
 * header every request of this config carries). */
static void api_error(void) {
    char cfg[320];
    snprintf(cfg, sizeof cfg,
             "{\"base_url\":\"http://127.0.0.1:%d\",\"token\":\"polar_oat_c_demo\","
             "\"headers\":{\"Prefer\":\"code=404\"}}",
             port);
    char *out = NULL;
    PolarError err = {0};
    int before = sends;
    int32_t rc = call("products:get", "{\"id\":\"00000000-0000-4000-8000-000000000000\"}", cfg,
                      false, &out, &err);
    EXPECT(rc, POLAR_ERR_API, &err);
    CHECK(sends == before + 1, "a 404 is not retried");
    CHECK(err.code == POLAR_ERR_API && err.status == 404, "code %d status %u", err.code,
          err.status);
    CHECK(strcmp((const char *)err.kind.data, "not_found") == 0, "kind %s", err.kind.data);
    CHECK(err.model.len > 0 && err.model.data[0] == '{', "model %s",
          err.model.data ? (const char *)err.model.data : "(empty)");
    CHECK(out == NULL, "no output on failure");
    printf("declared error: %s / %s / model %s\n", (const char *)err.kind.data,
           (const char *)err.message.data, (const char *)err.model.data);
    CHECK(polar_error_free(&err) == POLAR_OK, "free error");
}

/* Retries: a port nobody listens on refuses every connection; the exchange has it sent
 * again after waits it names (really slept here), then gives up with a transport error. */
static void retries(void) {
    int closed_port;
    {
        /* A port that was free a moment ago. */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr;
        socklen_t len = sizeof addr;
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
                  getsockname(fd, (struct sockaddr *)&addr, &len) == 0,
              "a free port");
        closed_port = ntohs(addr.sin_port);
        close(fd);
    }
    char cfg[320];
    snprintf(cfg, sizeof cfg,
             "{\"base_url\":\"http://127.0.0.1:%d\",\"token\":\"polar_oat_c_demo\","
             "\"max_attempts\":3,\"base_delay_ms\":20,\"max_delay_ms\":100}",
             closed_port);
    /* Even a POST: a request that never reached the server is safe to send again. */
    char *out = NULL;
    PolarError err = {0};
    int sends_before = sends, sleeps_before = sleeps;
    uint64_t start = now_ms();
    int32_t rc = call("customer-sessions:create",
                      "{\"body\":{\"customer_id\":\"00000000-0000-4000-8000-000000000000\"}}",
                      cfg, false, &out, &err);
    EXPECT(rc, POLAR_ERR_TRANSPORT, &err);
    CHECK(strcmp((const char *)err.kind.data, "not_sent") == 0, "kind %s", err.kind.data);
    CHECK(strstr((const char *)err.message.data, "3 attempt") != NULL, "%s",
          err.message.data);
    CHECK(sends - sends_before == 3 && sleeps - sleeps_before == 2, "sends %d sleeps %d",
          sends - sends_before, sleeps - sleeps_before);
    CHECK(now_ms() - start >= 20, "the waits were slept");
    printf("refused connection: %d attempts, %d waits, then %s\n", sends - sends_before,
           sleeps - sleeps_before, (const char *)err.message.data);
    polar_error_free(&err);
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

/* ---- exchanges driven wrong: each gives its documented code, never a crash ---- */

static void exchange_bad_input(void) {
    PolarError err = {0};
    PolarStep step = {0};
    uint64_t h = 0;

    /* What cannot start is refused at once, and no handle is made. */
    EXPECT(polar_call_new(S("products:frobnicate"), S("{}"), S(config), false, &h, &err),
           POLAR_ERR_UNKNOWN_OPERATION, &err);
    polar_error_free(&err);
    EXPECT(polar_call_new(S("products:get"), S("{}"), S(config), false, &h, &err),
           POLAR_ERR_BUILD, &err);
    polar_error_free(&err);
    EXPECT(polar_pages_new(S("customer-sessions:create"), S("{}"), S(config), &h, &err),
           POLAR_ERR_NOT_PAGINATED, &err);
    polar_error_free(&err);
    EXPECT(polar_items_new(S("products:list"), S("{}"), S("{\"max_attempts\":0}"), &h, &err),
           POLAR_ERR_INVALID_ARGUMENT, &err);
    polar_error_free(&err);
    EXPECT(polar_call_new(S("products:list"), S("{}"), S(config), false, NULL, &err),
           POLAR_ERR_NULL_POINTER, &err);
    polar_error_free(&err);
    CHECK(h == 0, "no handle on failure");

    /* Garbage handles name nothing. */
    uint64_t garbage = 0xdeadbeefdeadbeefULL;
    EXPECT(polar_exchange_poll(garbage, now_ms(), 0.5, &step, &err), POLAR_ERR_INVALID_HANDLE,
           &err);
    CHECK(step.kind == 0, "a refused poll writes nothing");
    polar_error_free(&err);
    CHECK(polar_exchange_response(garbage, 200, NULL, 0, NULL, 0, NULL) ==
              POLAR_ERR_INVALID_HANDLE,
          "response to garbage");
    CHECK(polar_exchange_fault(garbage, POLAR_FAULT_NOT_SENT, NULL, 0, NULL) ==
              POLAR_ERR_INVALID_HANDLE,
          "fault to garbage");
    CHECK(polar_exchange_free(&garbage) == POLAR_ERR_INVALID_HANDLE && garbage == 0,
          "free garbage");
    CHECK(polar_exchange_free(NULL) == POLAR_ERR_NULL_POINTER, "exchange_free(NULL)");
    CHECK(polar_step_free(NULL) == POLAR_ERR_NULL_POINTER, "step_free(NULL)");

    /* Double free: through the same variable a no-op, through a stale copy detected; a
     * freed handle names nothing. */
    EXPECT(polar_call_new(S("products:list"), S("{}"), S(config), false, &h, &err), POLAR_OK,
           &err);
    uint64_t copy = h;
    CHECK(polar_exchange_free(&h) == POLAR_OK && h == 0, "first free");
    CHECK(polar_exchange_free(&h) == POLAR_OK, "second free through the same variable");
    CHECK(polar_exchange_free(&copy) == POLAR_ERR_INVALID_HANDLE, "stale copy");
    EXPECT(polar_exchange_poll(copy, now_ms(), 0.5, &step, NULL), POLAR_ERR_INVALID_HANDLE,
           &err);

    /* A handle variable that still names a live exchange is not overwritten. */
    EXPECT(polar_call_new(S("products:list"), S("{}"), S(config), false, &h, &err), POLAR_OK,
           &err);
    uint64_t kept = h;
    EXPECT(polar_pages_new(S("products:list"), S("{}"), S(config), &h, &err),
           POLAR_ERR_OUT_NOT_EMPTY, &err);
    CHECK(h == kept, "the handle was kept");
    polar_error_free(&err);

    /* NULL step, jitter out of range: refused, nothing happened. */
    EXPECT(polar_exchange_poll(h, now_ms(), 0.5, NULL, &err), POLAR_ERR_NULL_POINTER, &err);
    polar_error_free(&err);
    EXPECT(polar_exchange_poll(h, now_ms(), 1.0, &step, &err), POLAR_ERR_INVALID_ARGUMENT,
           &err);
    polar_error_free(&err);

    /* A response for no request: refused, and the call ends with that error. */
    EXPECT(polar_exchange_response(h, 200, NULL, 0, S("{}"), &err), POLAR_ERR_OUT_OF_ORDER,
           &err);
    polar_error_free(&err);
    EXPECT(polar_exchange_poll(h, now_ms(), 0.5, &step, &err), POLAR_ERR_OUT_OF_ORDER, &err);
    CHECK(step.kind == POLAR_STEP_DONE, "the call ended: kind %d", step.kind);
    CHECK(strcmp((const char *)err.kind.data, "out_of_order") == 0, "%s", err.kind.data);
    polar_error_free(&err);
    polar_step_free(&step);
    polar_exchange_free(&h);

    /* Polled twice with a request out: the answer would be lost, so the call ends (sending
     * a create again could duplicate it); a step not freed is refused first. */
    EXPECT(polar_call_new(S("customer-sessions:create"),
                          S("{\"body\":{\"customer_id\":\"00000000-0000-4000-8000-000000000000\"}}"),
                          S(config), false, &h, &err),
           POLAR_OK, &err);
    EXPECT(polar_exchange_poll(h, now_ms(), 0.5, &step, &err), POLAR_OK, &err);
    CHECK(step.kind == POLAR_STEP_SEND, "kind %d", step.kind);
    PolarStep before = step;
    EXPECT(polar_exchange_poll(h, now_ms(), 0.5, &step, &err), POLAR_ERR_OUT_NOT_EMPTY, &err);
    CHECK(step.request.url.id == before.request.url.id, "a refused poll left the step alone");
    polar_error_free(&err);
    CHECK(polar_step_free(&step) == POLAR_OK && step.kind == 0, "step_free");
    CHECK(polar_step_free(&step) == POLAR_OK, "step_free twice through the same struct");
    PolarRequest stale = before.request;
    CHECK(polar_request_free(&stale) == POLAR_ERR_INVALID_HANDLE, "a stale copy of the step");
    EXPECT(polar_exchange_poll(h, now_ms(), 0.5, &step, &err), POLAR_ERR_OUT_OF_ORDER, &err);
    CHECK(step.kind == POLAR_STEP_DONE, "kind %d", step.kind);
    polar_error_free(&err);
    /* ... and its late answer is out of order too. */
    EXPECT(polar_exchange_response(h, 201, NULL, 0, S("{}"), &err), POLAR_ERR_OUT_OF_ORDER,
           &err);
    polar_error_free(&err);
    /* Garbage handed back while a request is out: refused, the request still out. */
    polar_exchange_free(&h);
    EXPECT(polar_call_new(S("products:list"), S("{}"), S(config), false, &h, &err), POLAR_OK,
           &err);
    EXPECT(polar_exchange_poll(h, now_ms(), 0.5, &step, &err), POLAR_OK, &err);
    polar_step_free(&step);
    EXPECT(polar_exchange_response(h, 42, NULL, 0, NULL, 0, &err), POLAR_ERR_INVALID_ARGUMENT,
           &err);
    polar_error_free(&err);
    EXPECT(polar_exchange_response(h, 200, S("no colon\r\n"), NULL, 0, &err),
           POLAR_ERR_INVALID_ARGUMENT, &err);
    polar_error_free(&err);
    EXPECT(polar_exchange_fault(h, 77, NULL, 0, &err), POLAR_ERR_INVALID_ARGUMENT, &err);
    polar_error_free(&err);
    EXPECT(polar_exchange_fault(h, POLAR_FAULT_INTERRUPTED, S("\xff"), &err),
           POLAR_ERR_INVALID_UTF8, &err);
    polar_error_free(&err);
    /* Another operation's answer: a decode error. */
    EXPECT(polar_exchange_response(h, 200, S("Content-Type: application/json\r\n"),
                                   S("{\"customer_portal_url\":1}"), &err),
           POLAR_OK, &err);
    EXPECT(polar_exchange_poll(h, now_ms(), 0.5, &step, &err), POLAR_ERR_DECODE, &err);
    polar_error_free(&err);
    polar_exchange_free(&h);
    printf("exchanges driven wrong: every case refused with its code\n");
}

/* ---- usage events: a queue, driven as a host's background thread drives it ---- */

static void ingest_events(void) {
    PolarError err = {0};
    PolarStep step = {0};
    PolarBuffer out = {0};
    uint64_t q = 0;
    uint8_t seed[32]; /* 32 bytes from the OS: the events' external_ids derive from them */
    FILE *urandom = fopen("/dev/urandom", "rb");
    CHECK(urandom != NULL && fread(seed, 1, sizeof seed, urandom) == sizeof seed, "urandom");
    fclose(urandom);
    EXPECT(polar_ingest_new(S(config), S("{\"max_batch_events\":2,\"max_age_ms\":60000}"), seed,
                            sizeof seed, &q, &err),
           POLAR_OK, &err);
    /* What request handlers push: any thread, never waiting for the network. */
    const char *events[] = {
        "{\"name\":\"llm.tokens\",\"external_customer_id\":\"user_42\","
        "\"metadata\":{\"tokens\":512,\"model\":\"small\"}}",
        "{\"name\":\"api.request\",\"customer_id\":\"00000000-0000-4000-8000-000000000000\"}",
        "{\"name\":\"llm.tokens\",\"external_customer_id\":\"user_42\","
        "\"external_id\":\"c-demo-3\",\"metadata\":{\"tokens\":64}}",
    };
    for (size_t i = 0; i < 3; i++)
        EXPECT(polar_ingest_push(q, S(events[i]), now_ms(), &err), POLAR_OK, &err);

    /* The background thread's loop. Two events make a batch: sent at once; the third waits
     * for its age (a minute), so the demo shuts down: close sends the tail, then IDLE. */
    int batches = 0, reports = 0, closed = 0;
    for (;;) {
        EXPECT(polar_ingest_poll(q, now_ms(), jitter(), &step, &err), POLAR_OK, &err);
        if (step.kind == POLAR_STEP_SEND) {
            CHECK(strcmp((const char *)step.request.target.data, "/v1/events/ingest") == 0,
                  "%s", step.request.target.data);
            batches++;
            answer(q, &step, 1);
        } else if (step.kind == POLAR_STEP_WAIT) {
            /* A real thread sleeps step.wait_ms or until a push, flush or close wakes it. */
            CHECK(!closed && step.wait_ms > 50000, "wait %llu", (unsigned long long)step.wait_ms);
            EXPECT(polar_ingest_close(q, &err), POLAR_OK, &err);
            closed = 1;
        } else if (step.kind == POLAR_STEP_REPORT) {
            const char *report = (const char *)step.result.data;
            reports++;
            CHECK(strstr(report, "\"failed\":null") && strstr(report, "\"rejected\":[]"), "%s",
                  report);
            printf("ingest report %d: %s\n", reports, report);
        } else {
            CHECK(step.kind == POLAR_STEP_IDLE && closed, "kind %d", step.kind);
            break;
        }
        polar_step_free(&step);
    }
    CHECK(batches == 2 && reports == 2, "batches %d reports %d", batches, reports);
    EXPECT(polar_ingest_stats(q, &out, &err), POLAR_OK, &err);
    CHECK(strstr((const char *)out.data, "\"pushed\":3") &&
              strstr((const char *)out.data, "\"settled\":3") &&
              strstr((const char *)out.data, "\"pending\":0"),
          "%s", out.data);
    printf("ingest stats: %s\n", out.data);
    polar_buffer_free(&out);
    EXPECT(polar_ingest_take_undelivered(q, &out, &err), POLAR_OK, &err);
    CHECK(strcmp((const char *)out.data, "[]") == 0, "%s", out.data);
    polar_buffer_free(&out);
    /* Closed: a push is refused, the event still the host's. */
    EXPECT(polar_ingest_push(q, S(events[0]), now_ms(), &err), POLAR_ERR_QUEUE_CLOSED, &err);
    polar_error_free(&err);
    CHECK(polar_ingest_free(&q) == POLAR_OK && q == 0, "ingest_free");

    /* Refused: a seed that is no seed, an event that is no event, a full queue, a handle of
     * the other kind, garbage. */
    EXPECT(polar_ingest_new(S(config), NULL, 0, seed, 16, &q, &err), POLAR_ERR_INVALID_ARGUMENT,
           &err);
    CHECK(strcmp((const char *)err.kind.data, "invalid_seed") == 0, "%s", err.kind.data);
    polar_error_free(&err);
    EXPECT(polar_ingest_new(S(config), S("{\"capacity\":1}"), seed, sizeof seed, &q, &err),
           POLAR_OK, &err);
    EXPECT(polar_ingest_push(q, S("{\"name\":\"x\"}"), now_ms(), &err), POLAR_ERR_INVALID_ARGUMENT,
           &err);
    CHECK(strcmp((const char *)err.kind.data, "invalid_event") == 0, "%s", err.kind.data);
    polar_error_free(&err);
    EXPECT(polar_ingest_push(q, S("{\"name\":"), now_ms(), &err), POLAR_ERR_INVALID_JSON, &err);
    polar_error_free(&err);
    EXPECT(polar_ingest_push(q, S(events[1]), now_ms(), &err), POLAR_OK, &err);
    EXPECT(polar_ingest_push(q, S(events[1]), now_ms(), &err), POLAR_ERR_QUEUE_FULL, &err);
    polar_error_free(&err);
    EXPECT(polar_exchange_poll(q, now_ms(), 0.5, &step, &err), POLAR_ERR_INVALID_HANDLE, &err);
    polar_error_free(&err);
    uint64_t garbage = 0xdeadbeefdeadbeefULL;
    EXPECT(polar_ingest_poll(garbage, now_ms(), 0.5, &step, &err), POLAR_ERR_INVALID_HANDLE,
           &err);
    polar_error_free(&err);
    CHECK(polar_ingest_free(&garbage) == POLAR_ERR_INVALID_HANDLE, "free garbage");
    /* Freed with an event still queued: taken first, as a host's shutdown would. */
    EXPECT(polar_ingest_take_undelivered(q, &out, &err), POLAR_OK, &err);
    CHECK(strstr((const char *)out.data, "\"external_id\":\"") != NULL, "%s", out.data);
    polar_buffer_free(&out);
    CHECK(polar_ingest_free(&q) == POLAR_OK, "ingest_free");
    printf("usage events: %d batches sent, every report clean, bad input refused\n", batches);
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
    srand((unsigned)now_ms());

    PolarBuffer ops = {0};
    CHECK(polar_operations(&ops, NULL) == POLAR_OK, "operations");
    CHECK(strstr((const char *)ops.data, "\"id\":\"products:list\"") != NULL, "operations list");
    polar_buffer_free(&ops);

    seed_example(customer_id);
    char *first_page = NULL;
    int pages = list_products(&first_page);
    int items = list_every_product();
    printf("walked products: %d page(s), %d item(s)\n", pages, items);
    api_error();
    retries();
    bad_input(first_page);
    free(first_page);
    exchange_bad_input();
    ingest_events();
    webhooks();

    size_t live = polar_live_buffers();
    CHECK(live == 0, "%zu buffer(s) never freed", live);
    size_t exchanges = polar_live_exchanges();
    CHECK(exchanges == 0, "%zu exchange(s) never freed", exchanges);
    printf("polar_demo: %d checks passed, 0 buffers alive, 0 exchanges alive "
           "(%d requests sent, %d waits slept)\n",
           checks, sends, sleeps);
    return 0;
}
