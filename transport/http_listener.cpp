#include "transport/http_listener.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <functional>
#include <deque>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "transport/http_exchange.hpp"
#include "transport/http_guard.hpp"
#include "transport/http_protocol.hpp"
#include "transport/slot_request.hpp"
#include "util/ids.hpp"

namespace cua {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using nlohmann::json;

constexpr const char* json_type = "application/json";
constexpr const char* metrics_path = "/metrics";
// Stands for the actor of a stateless request where a client id would go (no MCP session has it).
const std::string stateless_client = "(stateless)";
// Likewise for the live view's hub.
const std::string view_client = "(view)";
constexpr auto header_timeout = std::chrono::seconds(30);   // a request's head and body
constexpr auto keep_alive_timeout = std::chrono::seconds(120); // between requests
constexpr size_t max_queued_bytes = 64 * 1024 * 1024;

// What a client that asks for OAuth, or comes without the token, reads: SDK-based clients start
// OAuth discovery on a 401, and would otherwise report only that client registration failed.
constexpr const char* static_token_text
  = "cua-mcp-server takes a static bearer token, not OAuth: send the header "
    "\"Authorization: Bearer TOKEN\" with the token the server was given (--auth-token-file or "
    "CUA_MCP_AUTH_TOKEN); the README shows how to set that header in Claude Code, VS Code and "
    "mcp-remote";

// The paths of OAuth discovery and dynamic client registration (RFC 9728, RFC 8414, OpenID
// Connect discovery, RFC 7591), with or without the resource's path appended.
bool is_oauth_path(const std::string& target) {
  for (const char* prefix : {"/.well-known/oauth-protected-resource",
                             "/.well-known/oauth-authorization-server",
                             "/.well-known/openid-configuration"})
    if (target.rfind(prefix, 0) == 0)
      return true;
  return target == "/register" || target == "/authorize" || target == "/token";
}

// An OAuth error body (RFC 6749 section 5.2), which OAuth clients show to their user.
std::string oauth_refusal() {
  return nlohmann::json{{"error", "invalid_request"}, {"error_description", static_token_text}}.dump();
}

// The live view: its page at / and its files and API under /view/.
bool is_view_path(const std::string& target) {
  return target == "/" || target.rfind("/view/", 0) == 0;
}

constexpr const char* view_cookie = "cua_view";
constexpr auto view_login_lifetime = std::chrono::hours(12);
constexpr size_t max_view_logins = 256;

// A page of ours runs only our own script, talks only to us and is framed by nobody.
const http_headers& view_page_headers() {
  static const http_headers headers{
    {"Content-Security-Policy",
     "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
     "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cache-Control", "no-store"}};
  return headers;
}

// Returns the value of cookie `name` in a Cookie header, or "".
std::string cookie_value(const std::string& header, const std::string& name) {
  size_t at = 0;
  while (at < header.size()) {
    auto end = header.find(';', at);
    if (end == std::string::npos)
      end = header.size();
    auto pair = header.substr(at, end - at);
    auto first = pair.find_first_not_of(' ');
    if (first != std::string::npos && pair.compare(first, name.size() + 1, name + "=") == 0)
      return pair.substr(first + name.size() + 1);
    at = end + 1;
  }
  return "";
}

std::string chunk(const std::string& data) {
  std::ostringstream out;
  out << std::hex << data.size() << "\r\n" << data << "\r\n";
  return out.str();
}

} // namespace

class http_connection;

struct http_listener::core : std::enable_shared_from_this<http_listener::core> {
  core(http_options opts, std::shared_ptr<const http_protocol> rules, http_client_spawner spawn,
       http_stateless_spawner stateless)
    : options(std::move(opts)), guard(options), protocol(std::move(rules)),
      spawn_client(std::move(spawn)), spawn_stateless(std::move(stateless)) {
  }

  net::io_context ioc{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  http_options options;
  http_guard guard;
  std::shared_ptr<const http_protocol> protocol;
  http_client_spawner spawn_client;
  http_stateless_spawner spawn_stateless;
  http_metrics_source metrics; // none: no /metrics
  std::optional<http_view_routes> view; // none: no live view
  // The live view's logins (cookie value -> when it lapses); I/O thread only.
  std::map<std::string, std::chrono::steady_clock::time_point> view_logins;

  /// Whether a request to the live view's API comes with the token or a live login cookie.
  bool view_authorized(const std::string& authorization, const std::string& cookies);

  /// Starts a login of the live view; returns its cookie's value.
  std::string add_view_login();
  // Everything below is touched on the I/O thread only.
  struct client_slot {
    caf::actor actor;
    std::string principal; // whose token opened it: only that token reaches it
    std::chrono::steady_clock::time_point last_active; // its last request, or the end of one
  };
  std::map<std::string, client_slot> clients; // by Mcp-Session-Id
  int32_t connections = 0;
  std::map<int32_t, int64_t> responses; // sent so far, by status (for /metrics)
  std::vector<std::weak_ptr<http_connection>> live; // to close them all on stop
  uint64_t next_exchange = 1;
  std::atomic<uint16_t> bound_port{0};

  void accept();

  /// Whether `client` has a request waiting for its answer or a stream open.
  bool busy(const std::string& client) const;

  /// Seeks a slot for the initialize that `waiting` holds as `exchange`, the server being at
  /// max_clients: asks the idle clients, least recently active first, to give theirs up, until
  /// one does (the initialize is then admitted) or none will (it is refused with 503).
  void find_slot(std::shared_ptr<http_connection> waiting, uint64_t exchange);

  /// Returns in how many seconds a slot could be had at the soonest (Retry-After).
  int64_t seconds_until_a_slot() const;
};

/// One TCP connection: reads requests one after another; while one waits for its answer, watches
/// the socket so that a peer that goes away is noticed (and its calls cancelled).
class http_connection : public std::enable_shared_from_this<http_connection> {
public:
  http_connection(http_listener::core* owner, tcp::socket socket)
    : core_(owner), stream_(std::move(socket)) {
  }

  void start() { read_request(); }

  // The exchange's operations, run on the I/O thread; stale ones (another exchange, or closed)
  // do nothing.
  void respond(uint64_t exchange, int status, const std::string& type, std::string body,
               const http_headers& headers) {
    if (exchange != current_ || closed_)
      return;
    ++core_->responses[status];
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "cua-mcp-server");
    if (!type.empty())
      res.set(http::field::content_type, type);
    for (const auto& [name, value] : headers)
      res.set(name, value);
    res.keep_alive(keep_alive_);
    res.body() = std::move(body);
    res.prepare_payload();
    std::ostringstream out;
    out << res;
    current_ = 0;
    exchange_ended();
    close_after_write_ = !keep_alive_;
    queue(out.str());
  }

  void open_stream(uint64_t exchange, const http_headers& headers) {
    if (exchange != current_ || closed_ || streaming_)
      return;
    std::string head = "HTTP/1.1 200 OK\r\nServer: cua-mcp-server\r\n"
                       "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                       "Transfer-Encoding: chunked\r\n";
    for (const auto& [name, value] : headers)
      head += name + ": " + value + "\r\n";
    head += keep_alive_ ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    streaming_ = true;
    ++core_->responses[200];
    queue(std::move(head));
  }

  void send_event(uint64_t exchange, const std::string& message) {
    if (exchange == current_ && streaming_ && !closed_)
      queue(chunk("event: message\ndata: " + message + "\n\n"));
  }

  void send_comment(uint64_t exchange, const std::string& text) {
    if (exchange == current_ && streaming_ && !closed_)
      queue(chunk(": " + text + "\n\n"));
  }

  void finish(uint64_t exchange) {
    if (exchange != current_ || closed_)
      return;
    if (!streaming_) {
      respond(exchange, 202, "", "", {});
      return;
    }
    streaming_ = false;
    current_ = 0;
    exchange_ended();
    close_after_write_ = !keep_alive_;
    queue("0\r\n\r\n");
  }

  void abandon(uint64_t exchange) {
    if (exchange != current_ || closed_)
      return;
    if (streaming_)
      return finish(exchange);
    respond(exchange, 404, json_type,
            core_->protocol->refusal_body(404, "session not found: it ended; initialize again"),
            {});
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

  // Ends the connection from the server's side (shutdown).
  void close() {
    if (closed_)
      return;
    closed_ = true;
    --core_->connections;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close(); // the socket and its timer, so that nothing keeps the I/O thread waiting
  }

private:
  void read_request() {
    if (closed_)
      return;
    parser_.emplace();
    parser_->body_limit(core_->options.max_body);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(first_ ? header_timeout : keep_alive_timeout);
    first_ = false;
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (closed_)
      return;
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      current_ = core_->next_exchange++;
      respond(current_, 413, json_type,
              core_->protocol->refusal_body(413,
                         "the request body exceeds the limit of "
                           + std::to_string(core_->options.max_body) + " bytes (--max-body)"),
              {});
      return;
    }
    if (ec) {
      close(); // the peer closed, timed out, or sent something that is not HTTP
      return;
    }
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    stream_.expires_never();
    try {
      handle(std::move(req));
    } catch (const std::exception& e) { // whatever goes wrong, the server goes on
      spdlog::error("internal error on an HTTP request: {}", e.what());
      if (current_ == 0)
        reply_now(500, std::string{"internal error: "} + e.what());
    }
  }

  // Answers at once: a refusal (with a JSON-RPC error saying why), a 202 or a DELETE's 200.
  void reply_now(int status, const std::string& text, http_headers headers = {}) {
    current_ = core_->next_exchange++;
    if (text.empty())
      return respond(current_, status, "", "", headers);
    respond(current_, status, json_type, core_->protocol->refusal_body(status, text), headers);
  }

  void handle(http::request<http::string_body> req) {
    auto& c = *core_;
    auto target = std::string{req.target()};
    auto question = target.find('?');
    auto query = question == std::string::npos ? std::string{} : target.substr(question + 1);
    target = target.substr(0, question);
    bool mcp = c.spawn_client && target == c.options.path;
    bool metrics = !mcp && target == metrics_path && c.metrics;
    bool view = !mcp && !metrics && c.view && is_view_path(target);
    if (!mcp && !metrics && !view && is_oauth_path(target)) {
      current_ = c.next_exchange++;
      return respond(current_, 404, json_type, oauth_refusal(), {});
    }
    if (!mcp && !metrics && !view)
      return reply_now(404, c.spawn_client
                              ? "no such endpoint; the MCP endpoint is " + c.options.path
                              : std::string{"no such endpoint; this address serves the live view at /"});
    if (view)
      return handle_view(std::move(req), target, query);
    if (auto refusal = c.guard.check_host(std::string{req[http::field::host]}))
      return reply_now(403, *refusal);
    if (auto refusal = c.guard.check_origin(std::string{req[http::field::origin]}))
      return reply_now(403, *refusal);
    auto principal = c.guard.principal_of(std::string{req[http::field::authorization]});
    if (principal)
      principal_ = *principal;
    if (!principal)
      return reply_now(401,
                       req[http::field::authorization].empty()
                         ? std::string{"a bearer token is required. "} + static_token_text
                         : std::string{"the bearer token is not the one this server was given. "}
                             + static_token_text,
                       {{"WWW-Authenticate", "Bearer realm=\"cua-mcp-server\""}});
    if (metrics)
      return handle_metrics(req);
    switch (req.method()) {
      case http::verb::post: return handle_post(std::move(req));
      case http::verb::get: return handle_get(req);
      case http::verb::delete_: return handle_delete(req);
      default:
        return reply_now(405, "use POST, GET or DELETE on " + c.options.path,
                         {{"Allow", "GET, POST, DELETE"}});
    }
  }

  // Returns the client the request's Mcp-Session-Id names, or answers the refusal and returns null.
  std::optional<caf::actor> client_of(const http::request<http::string_body>& req) {
    auto id = std::string{req["Mcp-Session-Id"]};
    if (id.empty()) {
      reply_now(400, "the Mcp-Session-Id header is required; send initialize first to get one");
      return std::nullopt;
    }
    auto i = core_->clients.find(id);
    if (i == core_->clients.end()) {
      reply_now(404, "session not found: it ended or never existed; initialize again");
      return std::nullopt;
    }
    if (i->second.principal != principal_) {
      reply_now(403, "this MCP session was opened with another token; each token reaches only "
                     "its own sessions");
      return std::nullopt;
    }
    auto version = std::string{req["MCP-Protocol-Version"]};
    if (!version.empty() && !core_->protocol->speaks(version)) {
      reply_now(400, "unsupported MCP-Protocol-Version \"" + version + "\"");
      return std::nullopt;
    }
    i->second.last_active = std::chrono::steady_clock::now();
    return i->second.actor;
  }

  void handle_post(http::request<http::string_body> req) {
    auto& c = *core_;
    auto type = std::string{req[http::field::content_type]};
    if (type.rfind(json_type, 0) != 0)
      return reply_now(415, "the body must be JSON (Content-Type: application/json)");
    auto accept = std::string{req[http::field::accept]};
    if (!accepts(accept, json_type) || !accepts(accept, "text/event-stream"))
      return reply_now(406, "the client must accept both application/json and text/event-stream");
    auto value = json::parse(req.body(), nullptr, false);
    if (value.is_discarded()) {
      current_ = c.next_exchange++;
      return respond(current_, 400, json_type, c.protocol->unreadable_body(), {});
    }
    auto reading = c.protocol->read_post(value);
    if (!reading.refusal.empty())
      return reply_now(400, reading.refusal);
    http_post post;
    post.message = std::move(value); // parsed once, here: the actors take it as it is
    post.request_keys = std::move(reading.request_keys);
    post.progress_tokens = std::move(reading.progress_tokens);
    post.batch = reading.batch;
    if (!post.batch && (reading.stateless || stateless_header(req)) && c.spawn_stateless) {
      // The stateless revision: no MCP session (an Mcp-Session-Id is ignored), one actor per POST.
      post.mcp_headers = mcp_headers_of(req);
      auto client = c.spawn_stateless(principal_);
      if (post.request_keys.empty()) {
        caf::anon_send(client, post_atom::value, std::move(post));
        return reply_now(202, "");
      }
      current_ = c.next_exchange++;
      return hand_over(stateless_client, client, std::move(post), {});
    }
    if (reading.opens_session && req["Mcp-Session-Id"].empty()) {
      if (static_cast<int32_t>(c.clients.size()) < c.options.max_clients)
        return admit(std::move(post));
      // Every slot is taken: the initialize waits (bounded) while an idle client gives one up.
      current_ = c.next_exchange++;
      waiting_initialize_ = std::move(post);
      watch();
      c.find_slot(shared_from_this(), current_);
      return;
    }
    auto client = client_of(req);
    if (!client)
      return;
    if (post.request_keys.empty()) { // notifications and responses only
      caf::anon_send(*client, post_atom::value, std::move(post));
      return reply_now(202, "");
    }
    current_ = c.next_exchange++;
    hand_over(std::string{req["Mcp-Session-Id"]}, *client, std::move(post), {});
  }

public:
  // Admits the initialize that waited for a slot, if its peer is still there and a slot is free.
  void admit_waiting(uint64_t exchange) {
    if (exchange != current_ || closed_ || !waiting_initialize_)
      return;
    if (static_cast<int32_t>(core_->clients.size()) >= core_->options.max_clients)
      return refuse_waiting(exchange);
    auto post = std::move(*waiting_initialize_);
    waiting_initialize_.reset();
    admit(std::move(post));
  }

  // Refuses the initialize that waited for a slot none would give up; `soonest`: when a client
  // that was still in its grace could give one up.
  void refuse_waiting(uint64_t exchange, std::optional<int64_t> soonest = std::nullopt) {
    if (exchange != current_ || closed_ || !waiting_initialize_)
      return;
    waiting_initialize_.reset();
    auto& c = *core_;
    auto seconds = c.seconds_until_a_slot();
    auto retry = std::to_string(soonest ? std::min(seconds, *soonest) : seconds);
    respond(exchange, 503, json_type,
            c.protocol->refusal_body(503, "the server already serves " + std::to_string(c.clients.size())
                                 + " clients, its limit (--max-clients), and none is idle enough "
                                   "to give up its slot; try again in " + retry + " s"),
            {{"Retry-After", retry}});
  }

private:
  // Starts a new client for an initialize, with a slot free for it.
  void admit(http_post post) {
    auto& c = *core_;
    auto id = random_uuid();
    std::weak_ptr<http_listener::core> weak = shared_core();
    auto client = c.spawn_client(id, principal_, [weak](const std::string& gone) {
      // The queued handler holds the core weakly: one that never runs (the I/O thread has
      // stopped) must not keep alive the core whose I/O context holds it.
      if (auto owner = weak.lock())
        net::post(owner->ioc, [weak, gone] {
          if (auto alive = weak.lock())
            alive->clients.erase(gone);
        });
    });
    c.clients.emplace(id, http_listener::core::client_slot{client, principal_,
                                                           std::chrono::steady_clock::now()});
    current_ = c.next_exchange++;
    hand_over(id, client, std::move(post), {{"Mcp-Session-Id", id}});
  }

  // Hands a POST with requests to its client, to be answered on the current exchange.
  void hand_over(const std::string& client_id, const caf::actor& client, http_post post,
                 http_headers headers) {
    post.exchange = make_exchange(std::move(headers));
    client_actor_ = client;
    client_id_ = client_id;
    caf::anon_send(client, post_atom::value, std::move(post));
    watch();
  }

  // Whether the request says it speaks the stateless revision in its MCP-Protocol-Version header.
  bool stateless_header(const http::request<http::string_body>& req) const {
    auto version = std::string{req["MCP-Protocol-Version"]};
    auto first = version.find_first_not_of(" \t");
    auto last = version.find_last_not_of(" \t");
    return first != std::string::npos
           && core_->protocol->is_stateless(version.substr(first, last - first + 1));
  }

  // The headers the stateless revision has mirror a request's body, names in lower case.
  static http_headers mcp_headers_of(const http::request<http::string_body>& req) {
    http_headers out;
    for (const auto& field : req) {
      std::string name{field.name_string()};
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (name == "mcp-protocol-version" || name == "mcp-method" || name == "mcp-name"
          || name.rfind("mcp-param-", 0) == 0)
        out.emplace_back(std::move(name), std::string{field.value()});
    }
    return out;
  }

  // The stateless revision has no GET stream and no session to DELETE.
  bool refused_as_modern(const http::request<http::string_body>& req) {
    if (!stateless_header(req))
      return false;
    reply_now(405, "protocol " + core_->protocol->stateless_version() + " has no GET stream and no session "
                     "to delete: POST each request",
              {{"Allow", "POST"}});
    return true;
  }

  void handle_get(const http::request<http::string_body>& req) {
    if (refused_as_modern(req))
      return;
    if (!accepts(std::string{req[http::field::accept]}, "text/event-stream"))
      return reply_now(406, "a GET stream needs Accept: text/event-stream");
    auto client = client_of(req);
    if (!client)
      return;
    current_ = core_->next_exchange++;
    client_actor_ = *client;
    client_id_ = std::string{req["Mcp-Session-Id"]};
    caf::anon_send(*client, listen_atom::value, make_exchange({}));
    watch();
  }

  // A scrape: answered by whoever gathers the figures, on an exchange of its own.
  void handle_metrics(const http::request<http::string_body>& req) {
    auto& c = *core_;
    if (req.method() != http::verb::get)
      return reply_now(405, std::string{"use GET on "} + metrics_path, {{"Allow", "GET"}});
    http_load load;
    load.clients = static_cast<int32_t>(c.clients.size());
    load.max_clients = c.options.max_clients;
    load.connections = c.connections;
    load.max_connections = c.options.max_connections;
    load.responses = c.responses;
    current_ = c.next_exchange++;
    c.metrics(make_exchange({}), std::move(load));
    watch();
  }

  // The live view: its page, its login and its API (answered by the view's hub). Its refusals are
  // plain JSON ({"error": ...}) for the page to show.
  void handle_view(http::request<http::string_body> req, const std::string& target,
                   const std::string& query) {
    auto& c = *core_;
    auto refuse = [&](int status, const std::string& text, http_headers headers = {}) {
      current_ = c.next_exchange++;
      headers.insert(headers.end(), view_page_headers().begin(), view_page_headers().end());
      respond(current_, status, json_type, json{{"error", text}}.dump(), headers);
    };
    if (auto refusal = c.guard.check_host(std::string{req[http::field::host]}))
      return refuse(403, *refusal);
    if (auto refusal = c.guard.check_origin(std::string{req[http::field::origin]}))
      return refuse(403, *refusal);
    auto method = req.method();
    if (auto file = c.view->files.find(target); file != c.view->files.end()) {
      if (method != http::verb::get && method != http::verb::head)
        return refuse(405, "use GET", {{"Allow", "GET"}});
      current_ = c.next_exchange++;
      return respond(current_, 200, file->second.content_type, file->second.body,
                     view_page_headers());
    }
    if (target == "/view/login" || target == "/view/logout") {
      if (method != http::verb::post)
        return refuse(405, "use POST", {{"Allow", "POST"}});
      if (target == "/view/logout") {
        c.view_logins.erase(cookie_value(std::string{req[http::field::cookie]}, view_cookie));
        current_ = c.next_exchange++;
        return respond(current_, 200, json_type, R"({"ok":true})",
                       {{"Set-Cookie", std::string{view_cookie}
                                         + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"}});
      }
      auto body = json::parse(req.body(), nullptr, false);
      auto token = body.is_object() && body.contains("token") && body["token"].is_string()
                     ? body["token"].get<std::string>()
                     : std::string{};
      if (!c.guard.wants_token()) {
        current_ = c.next_exchange++;
        return respond(current_, 200, json_type, R"({"ok":true})", {});
      }
      auto principal = token.empty() ? std::optional<std::string>{}
                                     : c.guard.principal_of("Bearer " + token);
      if (!principal || !principal->empty()) {
        spdlog::warn("live view: a login with a wrong token was refused");
        return refuse(401, principal ? "the live view takes the operator's token (--auth-token-file), "
                                       "not a client's (--token-file)"
                                     : "that is not the token this server was given");
      }
      auto login = c.add_view_login();
      current_ = c.next_exchange++;
      auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(view_login_lifetime).count();
      return respond(current_, 200, json_type, R"({"ok":true})",
                     {{"Set-Cookie", std::string{view_cookie} + "=" + login
                                       + "; HttpOnly; SameSite=Strict; Path=/; Max-Age="
                                       + std::to_string(lifetime)},
                      {"Cache-Control", "no-store"}});
    }
    if (target.rfind("/view/api/", 0) != 0)
      return refuse(404, "no such page of the live view");
    if (!c.view_authorized(std::string{req[http::field::authorization]},
                           std::string{req[http::field::cookie]}))
      return refuse(401, "log in with the server's token first");
    http_view_request request;
    request.method = std::string{req.method_string()};
    request.path = target;
    request.query = query;
    request.body = std::move(req.body());
    current_ = c.next_exchange++;
    request.exchange = make_exchange({});
    client_actor_ = c.view->hub;
    client_id_ = view_client; // so that a peer that leaves is told to the hub
    caf::anon_send(c.view->hub, view_atom::value, std::move(request));
    watch();
  }

  void handle_delete(const http::request<http::string_body>& req) {
    if (refused_as_modern(req))
      return;
    auto client = client_of(req);
    if (!client)
      return;
    core_->clients.erase(std::string{req["Mcp-Session-Id"]});
    caf::anon_send(*client, end_atom::value, std::string{"ended by the client (DELETE)"});
    reply_now(200, "");
  }

  exchange_ptr make_exchange(http_headers headers);

  std::shared_ptr<http_listener::core> shared_core();

  // While an exchange waits, a read is kept open: it ends with an error when the peer goes away,
  // or brings the next request's first bytes, which stay in the buffer for the parser.
  void watch() {
    if (closed_ || watching_)
      return;
    watching_ = true;
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->on_watch(ec, n);
                            });
  }

  void on_watch(beast::error_code ec, size_t n) {
    watching_ = false;
    if (closed_)
      return;
    if (ec) {
      hang_up();
      return;
    }
    buffer_.commit(n);
    if (current_ != 0)
      watch();
    else if (!close_after_write_)
      read_request();
  }

  void hang_up() {
    waiting_initialize_.reset();
    if (current_ != 0 && client_actor_ && !client_id_.empty())
      caf::anon_send(client_actor_, hangup_atom::value, current_);
    current_ = 0;
    exchange_ended();
    close();
  }

  // The client whose exchange just ended was active until now.
  void exchange_ended() {
    if (client_id_.empty())
      return;
    if (auto i = core_->clients.find(client_id_); i != core_->clients.end())
      i->second.last_active = std::chrono::steady_clock::now();
    client_id_.clear();
  }

  void queue(std::string bytes) {
    // A peer that stops reading must not make the server hold its output without end.
    queued_bytes_ += bytes.size();
    if (queued_bytes_ > max_queued_bytes) {
      spdlog::warn("an HTTP peer stopped reading ({} bytes waiting); closing its connection",
                   queued_bytes_);
      return hang_up();
    }
    out_.push_back(std::move(bytes));
    if (!writing_)
      write_next();
  }

  void write_next() {
    writing_ = true;
    net::async_write(stream_, net::buffer(out_.front()),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_write(ec);
                     });
  }

  void on_write(beast::error_code ec) {
    if (closed_)
      return;
    if (ec) {
      hang_up();
      return;
    }
    queued_bytes_ -= out_.front().size();
    out_.pop_front();
    if (!out_.empty())
      return write_next();
    writing_ = false;
    if (current_ != 0)
      return; // a stream goes on
    if (close_after_write_)
      return close();
    if (!watching_)
      read_request();
  }

  http_listener::core* core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::string> out_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool watching_ = false;
  bool streaming_ = false;
  bool keep_alive_ = true;
  bool close_after_write_ = false;
  bool closed_ = false;
  bool first_ = true;
  uint64_t current_ = 0; // the exchange waiting for its answer; 0: none
  caf::actor client_actor_;
  std::string client_id_; // the client the current exchange was handed to; empty: none
  std::optional<http_post> waiting_initialize_; // an initialize waiting for a client slot
  std::string principal_; // whose token the current request carries ("": the operator's, or none)

  friend struct http_listener::core;
};

namespace {

/// The actors' handle on one request: every call hops to the I/O thread.
class connection_exchange final : public http_exchange {
public:
  connection_exchange(std::shared_ptr<http_connection> connection, uint64_t id, http_headers headers)
    : connection_(std::move(connection)), id_(id), headers_(std::move(headers)) {
  }

  // Dropped unanswered (its client actor had ended when the request reached it): the peer hears
  // so instead of waiting. Does nothing for an exchange that was answered.
  ~connection_exchange() override {
    net::post(connection_->executor(), [c = connection_, id = id_] { c->abandon(id); });
  }

  uint64_t id() const override { return id_; }

  void respond(int status, const std::string& content_type, std::string body,
               http_headers headers) override {
    headers.insert(headers.end(), headers_.begin(), headers_.end());
    net::post(connection_->executor(),
              [c = connection_, id = id_, status, content_type, body = std::move(body),
               headers = std::move(headers)]() mutable {
                c->respond(id, status, content_type, std::move(body), headers);
              });
  }

  void open_stream(http_headers headers) override {
    headers.insert(headers.end(), headers_.begin(), headers_.end());
    net::post(connection_->executor(), [c = connection_, id = id_, headers = std::move(headers)] {
      c->open_stream(id, headers);
    });
  }

  void send_event(const std::string& message) override {
    net::post(connection_->executor(),
              [c = connection_, id = id_, message] { c->send_event(id, message); });
  }

  void send_comment(const std::string& text) override {
    net::post(connection_->executor(),
              [c = connection_, id = id_, text] { c->send_comment(id, text); });
  }

  void finish() override {
    net::post(connection_->executor(), [c = connection_, id = id_] { c->finish(id); });
  }

private:
  std::shared_ptr<http_connection> connection_;
  uint64_t id_;
  http_headers headers_; // sent with the answer, whichever form it takes (Mcp-Session-Id)
};

} // namespace

exchange_ptr http_connection::make_exchange(http_headers headers) {
  return std::make_shared<connection_exchange>(shared_from_this(), current_, std::move(headers));
}

void http_listener::core::accept() {
  acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor->is_open())
      return;
    if (!ec) {
      if (connections >= options.max_connections) {
        // Told plainly, then closed: the limit protects the server.
        const std::string text = "too many connections (--max-connections); try again later";
        auto busy = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                    "Retry-After: 5\r\nConnection: close\r\nContent-Length: "
                    + std::to_string(text.size()) + "\r\n\r\n" + text;
        beast::error_code ignored;
        net::write(socket, net::buffer(busy), ignored);
        socket.close(ignored);
      } else {
        ++connections;
        auto connection = std::make_shared<http_connection>(this, std::move(socket));
        live.erase(std::remove_if(live.begin(), live.end(),
                                  [](const auto& weak) { return weak.expired(); }),
                   live.end());
        live.push_back(connection);
        connection->start();
      }
    }
    accept();
  });
}

bool http_listener::core::busy(const std::string& client) const {
  for (const auto& weak : live)
    if (auto connection = weak.lock())
      if (!connection->closed_ && connection->current_ != 0 && connection->client_id_ == client)
        return true;
  return false;
}

namespace {

/// A slot_request whose answer hops to the I/O thread; unanswered, it says no when dropped. It
/// holds the transport weakly: one dropped after the transport has gone answers nobody.
class posted_slot_request final : public slot_request {
public:
  using handler = std::function<void()>; // run on the I/O thread: the search's next step

  posted_slot_request(std::weak_ptr<http_listener::core> owner, handler next)
    : owner_(std::move(owner)), next_(std::move(next)) {
  }

  ~posted_slot_request() override { answer(false); }

  // Yielded or not, the search's next step looks at the slots as they are then.
  void answer(bool) override {
    if (answered_.exchange(true))
      return;
    if (auto owner = owner_.lock())
      net::post(owner->ioc, std::move(next_));
  }

private:
  std::weak_ptr<http_listener::core> owner_;
  handler next_;
  std::atomic<bool> answered_{false};
};

/// One search for a free slot: the candidates in the order they are asked, and its bound.
struct slot_search {
  std::shared_ptr<http_connection> waiting;
  uint64_t exchange = 0;
  std::vector<std::string> candidates;
  size_t next = 0;
  bool done = false;
  std::unique_ptr<net::steady_timer> bound;
  std::unique_ptr<net::steady_timer> pause; // waiting for a client to leave its grace
  // While waiting for a client's grace to end: when it ends (the soonest a slot could be had).
  std::optional<std::chrono::steady_clock::time_point> grace_ends;
};

} // namespace

void http_listener::core::find_slot(std::shared_ptr<http_connection> waiting, uint64_t exchange) {
  using clock = std::chrono::steady_clock;
  auto search = std::make_shared<slot_search>();
  search->waiting = std::move(waiting);
  search->exchange = exchange;
  std::vector<std::pair<clock::time_point, std::string>> idle;
  for (const auto& [id, slot] : clients)
    if (!busy(id))
      idle.emplace_back(slot.last_active, id);
  std::sort(idle.begin(), idle.end());
  for (auto& [when, id] : idle)
    search->candidates.push_back(std::move(id));
  // Each client answers after one supervisor query; a client too busy to answer in time is
  // treated as unwilling, and the whole search is bounded.
  search->bound = std::make_unique<net::steady_timer>(ioc, std::chrono::seconds(3));
  std::weak_ptr<core> weak = shared_from_this();
  search->pause = std::make_unique<net::steady_timer>(ioc);
  auto finish = [](const std::shared_ptr<slot_search>& s, bool admitted) {
    if (s->done)
      return;
    s->done = true;
    s->bound->cancel();
    s->pause->cancel();
    if (admitted) {
      s->waiting->admit_waiting(s->exchange);
      return;
    }
    std::optional<int64_t> soonest;
    if (s->grace_ends)
      soonest = std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(
                                        *s->grace_ends - clock::now()).count());
    s->waiting->refuse_waiting(s->exchange, soonest);
  };
  search->bound->async_wait([search, finish](beast::error_code ec) {
    if (!ec)
      finish(search, false);
  });
  auto ask_next = std::make_shared<std::function<void()>>();
  *ask_next = [this, weak, search, finish, ask_next_weak = std::weak_ptr<std::function<void()>>(
                                                ask_next)]() {
    if (search->done)
      return;
    if (static_cast<int32_t>(clients.size()) < options.max_clients)
      return finish(search, true);
    auto again = ask_next_weak.lock();
    auto grace = std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double>(options.client_grace_s));
    while (search->next < search->candidates.size()) {
      auto id = search->candidates[search->next++];
      auto i = clients.find(id);
      if (i == clients.end() || busy(id))
        continue;
      // A client active a moment ago is in the middle of a conversation (between initialize and
      // its next request, or between quick calls): it keeps its slot for its grace, and the new
      // client waits for that to pass, within the search's bound.
      auto grace_ends = i->second.last_active + grace;
      if (clock::now() < grace_ends) {
        --search->next;
        search->grace_ends = grace_ends;
        search->pause->expires_at(grace_ends);
        search->pause->async_wait([search, again](beast::error_code ec) {
          if (ec)
            return;
          search->grace_ends.reset(); // no longer the reason to wait
          if (again)
            (*again)();
        });
        return;
      }
      auto request = std::make_shared<posted_slot_request>(weak, [again] {
        if (again)
          (*again)();
      });
      caf::anon_send(i->second.actor, reclaim_atom::value, slot_request_ptr{request});
      return;
    }
    finish(search, false);
  };
  // The function holds itself only through the handlers in flight, so it goes with the search.
  auto start = ask_next;
  (*start)();
}

int64_t http_listener::core::seconds_until_a_slot() const {
  // A client with nothing in flight can give up its slot once its sessions have been idle for
  // reclaim_idle_s, which is no later than that long after its last request (a session is used
  // only by requests); one without sessions ends after empty_client_timeout_s.
  auto now = std::chrono::steady_clock::now();
  double wait = options.reclaim_idle_s > 0 ? options.reclaim_idle_s : options.client_idle_timeout_s;
  bool any_idle = false;
  for (const auto& [id, slot] : clients) {
    if (busy(id))
      continue;
    any_idle = true;
    double idle = std::chrono::duration<double>(now - slot.last_active).count();
    wait = std::min(wait, std::max(0.0, (options.reclaim_idle_s > 0 ? options.reclaim_idle_s
                                                                     : options.client_idle_timeout_s)
                                          - idle));
  }
  // With every client busy, the first to finish may free a slot at once.
  if (!any_idle)
    wait = 5;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait)));
}

bool http_listener::core::view_authorized(const std::string& authorization,
                                          const std::string& cookies) {
  // The operator's token (or none configured), not a client's from --token-file.
  if (auto principal = guard.principal_of(authorization); principal && principal->empty())
    return true;
  auto login = cookie_value(cookies, view_cookie);
  auto i = view_logins.find(login);
  if (login.empty() || i == view_logins.end())
    return false;
  if (std::chrono::steady_clock::now() < i->second)
    return true;
  view_logins.erase(i);
  return false;
}

std::string http_listener::core::add_view_login() {
  auto now = std::chrono::steady_clock::now();
  for (auto i = view_logins.begin(); i != view_logins.end();)
    i = i->second <= now ? view_logins.erase(i) : std::next(i);
  if (view_logins.size() >= max_view_logins) { // the one that lapses first gives way
    auto first = std::min_element(view_logins.begin(), view_logins.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
    view_logins.erase(first);
  }
  auto login = random_uuid() + random_uuid(); // 244 random bits
  login.erase(std::remove(login.begin(), login.end(), '-'), login.end());
  view_logins.emplace(login, now + view_login_lifetime);
  return login;
}

std::shared_ptr<http_listener::core> http_connection::shared_core() {
  return core_->shared_from_this();
}

http_listener::http_listener(http_options options, std::shared_ptr<const http_protocol> protocol,
                             http_client_spawner spawn_client,
                             http_stateless_spawner spawn_stateless)
  : core_(std::make_shared<core>(std::move(options), std::move(protocol), std::move(spawn_client),
                                 std::move(spawn_stateless))) {
}

void http_listener::serve_metrics(http_metrics_source source) {
  core_->metrics = std::move(source);
}

void http_listener::serve_view(http_view_routes routes) {
  core_->view = std::move(routes);
}

http_listener::~http_listener() {
  stop();
}

caf::error http_listener::start() {
  auto& c = *core_;
  auto where = c.options.host + ":" + std::to_string(c.options.port);
  beast::error_code ec;
  tcp::resolver resolver{c.ioc};
  auto found = resolver.resolve(c.options.host, std::to_string(c.options.port),
                                tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || found.empty())
    return make_error(errc::invalid_arguments,
                      "cannot listen on " + where + ": " + (ec ? ec.message() : "no address"));
  tcp::endpoint endpoint = *found.begin();
  c.acceptor.emplace(c.ioc);
  c.acceptor->open(endpoint.protocol(), ec);
  if (!ec)
    c.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    c.acceptor->bind(endpoint, ec);
  if (!ec)
    c.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    c.acceptor.reset();
    return make_error(errc::invalid_arguments, "cannot listen on " + where + ": " + ec.message());
  }
  c.bound_port = c.acceptor->local_endpoint().port();
  c.options.port = c.bound_port; // port 0 asks for any: Host headers then name the one bound
  c.guard = http_guard(c.options);
  c.work.emplace(net::make_work_guard(c.ioc));
  c.accept();
  c.thread = std::thread([core = core_.get()] { core->ioc.run(); });
  return {};
}

uint16_t http_listener::port() const {
  return core_->bound_port;
}

void http_listener::stop() {
  auto& c = *core_;
  if (!c.thread.joinable())
    return;
  net::post(c.ioc, [&c] {
    beast::error_code ignored;
    if (c.acceptor)
      c.acceptor->close(ignored);
    for (auto& [id, client] : c.clients)
      caf::anon_send(client.actor, end_atom::value, std::string{"the server is stopping"});
    c.clients.clear();
    for (auto& weak : c.live)
      if (auto connection = weak.lock())
        connection->close();
    c.live.clear();
    c.work.reset();
  });
  // Everything was closed, so the thread ends at once; should a handler hang, it is stopped.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!c.ioc.stopped() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  c.ioc.stop();
  c.thread.join();
}

} // namespace cua
