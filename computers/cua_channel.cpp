#include "computers/cua_channel.hpp"

#include <algorithm>
#include <optional>
#include <thread>

#include <poll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <spdlog/spdlog.h>

#include "messages/errors.hpp"

namespace cua {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;
using deadline = steady::time_point;

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// A screenshot of a 5K screen, base64-encoded, stays far below this.
constexpr uint64_t max_reply_bytes = 64 * 1024 * 1024;

std::string seconds_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + " s";
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

template <class Stream>
void close_socket(Stream& stream) {
  beast::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(stream).socket().close(ignored);
}

} // namespace

struct cua_channel::impl {
  cua_endpoint ep;
  cua_channel_settings settings;
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  std::string tls_setup_error;
  std::unique_ptr<websocket::stream<plain_stream>> ws;
  std::unique_ptr<websocket::stream<tls_stream>> wss;
  beast::flat_buffer read_buffer;
  bool http_only = false;  // the server or a proxy declined the WebSocket upgrade
  bool key_refused = false; // retrying cannot help

  impl(cua_endpoint endpoint, cua_channel_settings config)
    : ep(std::move(endpoint)), settings(std::move(config)) {
    if (!ep.tls)
      return;
    beast::error_code ec;
    tls.set_verify_mode(ssl::verify_peer, ec);
    tls.set_default_verify_paths(ec);
    if (!settings.ca_file.empty()) {
      tls.load_verify_file(settings.ca_file, ec);
      if (ec)
        tls_setup_error = "cannot load the certificates in --cua-ca-file " + settings.ca_file + ": "
                          + ec.message();
    }
  }

  caf::error failed(const std::string& what) const {
    return make_error(errc::computer_failed, "the computer at " + ep.url + " " + what);
  }

  // What failed() said, without the "the computer at URL" it starts with.
  std::string reason(const caf::error& err) const {
    auto text = describe(err);
    auto prefix = "the computer at " + ep.url + " ";
    return text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
  }

  std::string host_header() const {
    return (ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host) + ":" + ep.port;
  }

  // Runs what `start` begins until it completes or `until` passes. On time-out `abort` closes what
  // the operation waits on, which makes it complete (aborted) before this returns, so nothing of it
  // outlives the call.
  template <class Start, class Abort>
  beast::error_code run_bounded(deadline until, Start start, Abort abort) {
    auto outcome = std::make_shared<std::optional<beast::error_code>>();
    start([outcome](beast::error_code ec, auto&&...) { *outcome = ec; });
    ioc.restart();
    ioc.run_until(until);
    if (*outcome)
      return **outcome;
    abort();
    ioc.restart();
    ioc.run_for(std::chrono::seconds(1));
    return beast::error::timeout;
  }

  caf::expected<tcp::resolver::results_type> resolve(deadline until) {
    tcp::resolver resolver(ioc);
    auto results = std::make_shared<tcp::resolver::results_type>();
    auto ec = run_bounded(
      until,
      [&](auto done) {
        resolver.async_resolve(ep.host, ep.port,
                               [results, done](beast::error_code ec,
                                               tcp::resolver::results_type found) mutable {
                                 *results = std::move(found);
                                 done(ec);
                               });
      },
      [&] { resolver.cancel(); });
    if (ec)
      return failed("cannot be found: " + ep.host + ": " + ec.message());
    return *results;
  }

  caf::error open(plain_stream& stream, deadline until) {
    auto addresses = resolve(until);
    if (!addresses)
      return addresses.error();
    auto ec = run_bounded(
      until, [&](auto done) { stream.async_connect(*addresses, done); },
      [&] { close_socket(stream); });
    if (ec)
      return failed("cannot be reached: " + ec.message());
    stream.socket().set_option(tcp::no_delay(true), ec);
    return caf::none;
  }

  caf::error open(tls_stream& stream, deadline until) {
    if (!tls_setup_error.empty())
      return make_error(errc::computer_failed, tls_setup_error);
    if (auto err = open(beast::get_lowest_layer(stream), until))
      return err;
    // SNI, and a certificate that names the host we asked for.
    if (!SSL_set_tlsext_host_name(stream.native_handle(), ep.host.c_str()))
      return failed("cannot be reached: TLS set-up failed");
    stream.set_verify_callback(ssl::host_name_verification(ep.host));
    auto ec = run_bounded(
      until, [&](auto done) { stream.async_handshake(ssl::stream_base::client, done); },
      [&] { close_socket(stream); });
    if (ec)
      return failed("failed the TLS handshake (is it serving TLS, with a certificate this host "
                    "trusts? see --cua-ca-file): " + ec.message());
    return caf::none;
  }

  // Repeats `attempt` with a doubling pause while it fails in ways a new attempt can mend (the
  // server restarting, a dropped connection), within the attempts and `until`.
  template <class Attempt>
  auto with_retries(deadline until, Attempt attempt) -> decltype(attempt(until)) {
    auto pause = settings.first_backoff;
    for (int n = 1;; ++n) {
      auto attempt_until = std::min(until, steady::now() + settings.connect_timeout);
      auto result = attempt(attempt_until);
      if (result || key_refused || http_only || n >= settings.connect_attempts
          || steady::now() + pause >= until)
        return result;
      spdlog::debug("computer at {}: attempt {} failed, retrying in {} ms", ep.url, n,
                    pause.count());
      std::this_thread::sleep_for(pause);
      pause *= 2;
    }
  }

  // --- HTTP: GET /status and the POST /cmd fallback ---

  template <class Stream>
  caf::expected<http::response<http::string_body>>
  exchange(Stream& stream, http::request<http::string_body>& request, deadline until) {
    auto abort = [&] { close_socket(stream); };
    auto ec = run_bounded(
      until, [&](auto done) { http::async_write(stream, request, done); }, abort);
    if (ec)
      return failed("dropped the connection: " + ec.message());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_reply_bytes);
    ec = run_bounded(
      until, [&](auto done) { http::async_read(stream, buffer, parser, done); }, abort);
    close_socket(stream);
    if (ec == beast::error::timeout)
      return failed("did not answer " + std::string(request.target()) + " in time");
    if (ec)
      return failed("sent no answer to " + std::string(request.target()) + ": " + ec.message());
    return parser.release();
  }

  caf::expected<http::response<http::string_body>>
  http_call(http::verb verb, const std::string& target, const std::string& body, deadline until) {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, host_header());
    request.set(http::field::user_agent, "cua-mcp-server");
    request.keep_alive(false);
    if (!settings.api_key.empty()) {
      request.set("X-Container-Name", ep.container_name);
      request.set("X-API-Key", settings.api_key);
    }
    if (verb == http::verb::post) {
      request.set(http::field::content_type, "application/json");
      request.body() = body;
      request.prepare_payload();
    }
    if (ep.tls) {
      tls_stream stream(ioc, tls);
      if (auto err = open(stream, until))
        return err;
      return exchange(stream, request, until);
    }
    plain_stream stream(ioc);
    if (auto err = open(stream, until))
      return err;
    return exchange(stream, request, until);
  }

  caf::expected<json> call_http(const std::string& command, const std::string& frame,
                                deadline until) {
    auto response = with_retries(until, [&](deadline attempt_until) {
      return http_call(http::verb::post, "/cmd", frame, attempt_until);
    });
    if (!response)
      return response.error();
    auto status = response->result_int();
    if (status == 401 || status == 403) {
      key_refused = true;
      return failed("refused the API key (CUA_API_KEY) for container \"" + ep.container_name
                    + "\" (HTTP " + std::to_string(status) + ")");
    }
    if (status == 400) {
      // The server's word for a command it does not know or cannot take: {"detail": "..."}.
      auto body = json::parse(response->body(), nullptr, false);
      auto why = body.is_object() && body.contains("detail") && body["detail"].is_string()
                   ? body["detail"].get<std::string>()
                   : response->body().substr(0, 300);
      return make_error(errc::invalid_action, "the computer refused `" + command + "`: " + why);
    }
    if (status != 200)
      return failed("answered HTTP " + std::to_string(status) + " to `" + command + "`");
    // The reply is one server-sent event: "data: {json}" and a blank line.
    const auto& body = response->body();
    auto at = body.find("data:");
    auto text = at == std::string::npos ? body : body.substr(at + 5);
    return parse_reply(command, text);
  }

  // --- WebSocket ---

  std::string timeout_hint(std::chrono::milliseconds bound) const {
    return bound == settings.command_timeout ? " (--cua-timeout)" : "";
  }

  bool connected() const {
    return ws != nullptr || wss != nullptr;
  }

  template <class F>
  auto with_ws(F f) {
    return wss ? f(*wss) : f(*ws);
  }

  // Whether the server closed the idle connection (it restarted, or timed out a client that was
  // not reading its pings): then a command is sent on a new connection, not into a dead one where
  // its fate would be unknown.
  bool closed_by_peer() {
    auto fd = wss ? beast::get_lowest_layer(*wss).socket().native_handle()
                  : beast::get_lowest_layer(*ws).socket().native_handle();
    pollfd p{fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  void drop() {
    if (ws)
      close_socket(*ws);
    if (wss)
      close_socket(*wss);
    ws.reset();
    wss.reset();
  }

  template <class WS>
  beast::error_code send(WS& stream, const std::string& text, deadline until) {
    return run_bounded(
      until, [&](auto done) { stream.async_write(net::buffer(text), done); },
      [&] { close_socket(stream); });
  }

  template <class WS>
  beast::error_code receive(WS& stream, std::string& text, deadline until) {
    read_buffer.clear();
    auto ec = run_bounded(
      until, [&](auto done) { stream.async_read(read_buffer, done); },
      [&] { close_socket(stream); });
    if (!ec)
      text = beast::buffers_to_string(read_buffer.data());
    return ec;
  }

  template <class WS>
  caf::error handshake(WS& stream, deadline until) {
    stream.read_message_max(max_reply_bytes);
    stream.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& request) { request.set(http::field::user_agent, "cua-mcp-server"); }));
    websocket::response_type response;
    auto ec = run_bounded(
      until, [&](auto done) { stream.async_handshake(response, host_header(), "/ws", done); },
      [&] { close_socket(stream); });
    if (ec == websocket::error::upgrade_declined) {
      http_only = true;
      spdlog::info("computer at {} declined WebSocket (HTTP {}): commands go through POST /cmd",
                   ep.url, response.result_int());
      return failed("declined WebSocket");
    }
    if (ec)
      return failed("failed the WebSocket handshake: " + ec.message());
    stream.text(true);
    if (settings.api_key.empty())
      return caf::none;
    json frame{{"command", "authenticate"},
               {"params", {{"api_key", settings.api_key}, {"container_name", ep.container_name}}}};
    if (auto ec = send(stream, frame.dump(), until))
      return failed("dropped the connection while authenticating: " + ec.message());
    std::string text;
    if (auto ec = receive(stream, text, until))
      return failed("did not answer the authentication: " + ec.message());
    auto reply = parse_reply("authenticate", text);
    if (!reply) {
      key_refused = true;
      return failed("refused the API key (CUA_API_KEY) for container \"" + ep.container_name
                    + "\": " + describe(reply.error()));
    }
    return caf::none;
  }

  caf::error open_ws(deadline until) {
    if (ep.tls) {
      auto stream = std::make_unique<websocket::stream<tls_stream>>(ioc, tls);
      if (auto err = open(stream->next_layer(), until))
        return err;
      if (auto err = handshake(*stream, until)) {
        close_socket(*stream);
        return err;
      }
      wss = std::move(stream);
      return caf::none;
    }
    auto stream = std::make_unique<websocket::stream<plain_stream>>(ioc);
    if (auto err = open(stream->next_layer(), until))
      return err;
    if (auto err = handshake(*stream, until)) {
      close_socket(*stream);
      return err;
    }
    ws = std::move(stream);
    return caf::none;
  }

  caf::expected<json> call_ws(const std::string& command, const std::string& frame,
                              resend_policy policy, deadline until,
                              std::chrono::milliseconds bound) {
    auto pause = settings.first_backoff;
    std::string last_failure;
    for (int attempt = 1;; ++attempt) {
      auto give_up = [&]() -> caf::expected<json> {
        return failed("failed " + std::to_string(attempt) + " attempts to connect; the last: "
                      + last_failure);
      };
      auto retry = [&] {
        if (attempt >= settings.connect_attempts || steady::now() + pause >= until)
          return false;
        std::this_thread::sleep_for(pause);
        pause *= 2;
        return true;
      };
      if (connected() && closed_by_peer()) {
        spdlog::debug("computer at {}: the server closed the connection; reconnecting", ep.url);
        drop();
      }
      if (!connected()) {
        auto err = open_ws(std::min(until, steady::now() + settings.connect_timeout));
        if (err) {
          if (http_only || key_refused)
            return err;
          last_failure = reason(err);
          if (retry())
            continue;
          return give_up();
        }
      }
      // A frame that was not fully written cannot have been read by the server: safe to resend.
      if (auto ec = with_ws([&](auto& s) { return send(s, frame, until); })) {
        drop();
        if (ec == beast::error::timeout)
          return failed("did not take `" + command + "` within " + seconds_text(bound)
                        + timeout_hint(bound));
        last_failure = "the connection dropped: " + ec.message();
        if (retry())
          continue;
        return give_up();
      }
      std::string text;
      auto ec = with_ws([&](auto& s) { return receive(s, text, until); });
      if (!ec)
        return parse_reply(command, text);
      drop();
      if (ec == beast::error::timeout)
        return failed("did not answer `" + command + "` within " + seconds_text(bound)
                      + timeout_hint(bound));
      last_failure = "the connection dropped: " + ec.message();
      if (policy == resend_policy::safe) {
        if (retry())
          continue;
        return give_up();
      }
      return make_error(errc::invalid_action,
                        "the connection to the computer at " + ep.url + " dropped while `" + command
                          + "` was under way, so it may or may not have happened; take a "
                            "screenshot to see (the next action reconnects)");
    }
  }

  caf::expected<json> parse_reply(const std::string& command, const std::string& text) const {
    auto reply = json::parse(text, nullptr, false);
    if (reply.is_discarded() || !reply.is_object())
      return failed("answered `" + command + "` with something that is not a JSON object");
    auto success = reply.find("success");
    if (success != reply.end() && success->is_boolean() && success->get<bool>())
      return reply;
    auto error = reply.find("error");
    auto why = error != reply.end() && error->is_string() ? error->get<std::string>()
                                                          : std::string("no reason given");
    return make_error(errc::invalid_action, "the computer refused `" + command + "`: " + why);
  }
};

cua_channel::cua_channel(cua_endpoint endpoint, cua_channel_settings settings)
  : impl_(std::make_unique<impl>(std::move(endpoint), std::move(settings))) {
  // nop
}

cua_channel::~cua_channel() {
  disconnect();
}

caf::error cua_channel::check_status() {
  auto& d = *impl_;
  auto until = steady::now() + d.settings.command_timeout;
  auto response = d.with_retries(until, [&](deadline attempt_until) {
    return d.http_call(http::verb::get, "/status", {}, attempt_until);
  });
  if (!response)
    return response.error();
  auto body = json::parse(response->body(), nullptr, false);
  auto ok = response->result_int() == 200 && body.is_object() && body.contains("status")
            && body["status"] == "ok";
  if (!ok)
    return d.failed("is not ready: GET /status answered HTTP "
                    + std::to_string(response->result_int()) + " "
                    + response->body().substr(0, 200));
  return caf::none;
}

caf::expected<nlohmann::json> cua_channel::call(const std::string& command,
                                                const nlohmann::json& params,
                                                resend_policy policy,
                                                std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (d.key_refused)
    return d.failed("refused the API key (CUA_API_KEY) before");
  auto bound = timeout.count() > 0 ? timeout : d.settings.command_timeout;
  auto until = steady::now() + bound;
  auto frame = json{{"command", command}, {"params", params}}.dump();
  if (!d.http_only) {
    auto reply = d.call_ws(command, frame, policy, until, bound);
    if (reply || !d.http_only)
      return reply;
  }
  return d.call_http(command, frame, until);
}

void cua_channel::disconnect() {
  auto& d = *impl_;
  if (d.connected()) {
    // A polite close frame, briefly; the socket closes either way.
    auto until = steady::now() + std::chrono::milliseconds(200);
    d.with_ws([&](auto& s) {
      return d.run_bounded(
        until, [&](auto done) { s.async_close(websocket::close_code::normal, done); },
        [&] { close_socket(s); });
    });
    d.drop();
  }
  d.http_only = false;
  d.key_refused = false;
}

bool cua_channel::on_http_fallback() const {
  return impl_->http_only;
}

const cua_endpoint& cua_channel::endpoint() const {
  return impl_->ep;
}

caf::error cua_channel::failure(const std::string& what) const {
  return impl_->failed(what);
}

} // namespace cua
