#include "tests/support/fake_cua_server.hpp"

#include <algorithm>
#include <fcntl.h>
#include <cmath>
#include <cstdio>
#include <future>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "computers/png_codec.hpp"
#include "computers/rgb_image.hpp"
#include "util/base64.hpp"

namespace cua::test {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

// Bounds every wait of the test thread on the server thread.
constexpr auto server_thread_timeout = std::chrono::seconds(5);

json failure(const std::string& error) {
  return {{"success", false}, {"error", error}};
}

std::string dump(const json& value) {
  // Scripted texts may hold invalid UTF-8; a test double must not throw over that.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The name as the Python server would print it in "Unknown command: NAME".
std::string command_name(const json& frame) {
  if (!frame.is_object())
    return "None";
  auto it = frame.find("command");
  if (it == frame.end() || it->is_null())
    return "None";
  return it->is_string() ? it->get<std::string>() : dump(*it);
}

std::string string_field(const json& object, const char* key) {
  if (!object.is_object())
    return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// Parameter readers that fail the way the Python handlers do (a TypeError turned into "error").
[[noreturn]] void missing(const std::string& command, const char* key) {
  throw std::invalid_argument(command + "() missing 1 required positional argument: '" + key + "'");
}

std::optional<int32_t> number_param(const std::string& command, const json& params,
                                    const char* key) {
  auto it = params.find(key);
  if (it == params.end() || it->is_null())
    return std::nullopt;
  if (!it->is_number())
    throw std::invalid_argument(command + "(): '" + key + "' must be a number");
  auto value = std::clamp(it->get<double>(), -1e9, 1e9);
  return static_cast<int32_t>(std::lround(value));
}

int32_t required_number(const std::string& command, const json& params, const char* key) {
  auto value = number_param(command, params, key);
  if (!value)
    missing(command, key);
  return *value;
}

std::string string_param(const std::string& command, const json& params, const char* key,
                         const char* fallback = nullptr) {
  auto it = params.find(key);
  if (it == params.end() || it->is_null()) {
    if (fallback == nullptr)
      missing(command, key);
    return fallback;
  }
  if (!it->is_string())
    throw std::invalid_argument(command + "(): '" + key + "' must be a string");
  return it->get<std::string>();
}

void check_button(const std::string& command, const json& params) {
  auto button = string_param(command, params, "button", "left");
  if (button != "left" && button != "right" && button != "middle")
    throw std::invalid_argument(command + "(): unknown button '" + button + "'");
}

} // namespace

// -- network: one io_context on one thread; everything below touches it only from there ----------

struct fake_cua_server::network {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  tcp::acceptor acceptor{io};
  bool listening = false;
  std::vector<std::weak_ptr<connection>> connections;
  std::promise<void> finished;
  std::thread thread;
};

/// One client connection: HTTP requests until it upgrades to a WebSocket at /ws. Requests are
/// read one at a time, so replies leave in request order.
class fake_cua_server::connection : public std::enable_shared_from_this<connection> {
public:
  connection(fake_cua_server& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)), delay_(stream_.get_executor()) {}

  void start() { read_request(); }

  // Abrupt, as when the computer goes away: no close frame, no HTTP answer.
  void close() {
    closed_ = true;
    delay_.cancel();
    beast::error_code ignored;
    auto& socket = ws_ ? beast::get_lowest_layer(*ws_).socket() : stream_.socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

private:
  void read_request() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec || self->closed_)
                         return self->close();
                       self->route();
                     });
  }

  void route() {
    auto target = std::string(request_.target());
    auto path = target.substr(0, target.find('?'));
    if (path == "/ws" && websocket::is_upgrade(request_) && server_.options_.websocket)
      return upgrade();
    if (path == "/status" && request_.method() == http::verb::get) {
      auto [status, body] = server_.on_status();
      return respond(static_cast<http::status>(status), dump(body), false);
    }
    if (path == "/cmd" && request_.method() == http::verb::post) {
      auto v = server_.on_http_command(request_.body(), std::string(request_["X-Container-Name"]),
                                       std::string(request_["X-API-Key"]));
      if (v.drop)
        return close();
      return after_delay(v.delay, [self = shared_from_this(), v] {
        if (v.status == 200)
          self->respond(http::status::ok, "data: " + dump(v.reply) + "\n\n", true);
        else
          self->respond(static_cast<http::status>(v.status), dump(v.reply), false);
      });
    }
    if (path == "/status" || path == "/cmd")
      return respond(http::status::method_not_allowed, R"({"detail":"Method Not Allowed"})", false);
    respond(http::status::not_found, R"({"detail":"Not Found"})", false);
  }

  void respond(http::status status, std::string body, bool event_stream) {
    auto res = std::make_shared<http::response<http::string_body>>(status, request_.version());
    res->set(http::field::server, "fake-cua-computer-server");
    res->set(http::field::content_type, event_stream ? "text/event-stream" : "application/json");
    res->keep_alive(request_.keep_alive());
    res->body() = std::move(body);
    if (event_stream) {
      // Like the real server's StreamingResponse: no Content-Length, chunked when HTTP/1.1.
      res->set(http::field::cache_control, "no-cache");
      if (request_.version() >= 11)
        res->chunked(true);
      else
        res->keep_alive(false);
    } else {
      res->prepare_payload();
    }
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec || self->closed_ || !res->keep_alive())
                          return self->close();
                        self->read_request();
                      });
  }

  void upgrade() {
    ws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(std::move(stream_));
    // Bounds the closing handshake after a failed authentication.
    ws_->set_option(websocket::stream_base::timeout{std::chrono::seconds(2),
                                                    websocket::stream_base::none(), false});
    ws_->async_accept(request_, [self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_)
        return self->close();
      self->server_.count_websocket_connection();
      self->read_frame();
    });
  }

  void read_frame() {
    buffer_.consume(buffer_.size());
    ws_->async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || self->closed_)
        return self->close();
      auto text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      auto v = self->server_.on_ws_frame(text, self->authenticated_);
      if (v.drop)
        return self->close();
      self->after_delay(v.delay, [self, v] { self->send_frame(dump(v.reply), v.close_after); });
    });
  }

  void send_frame(std::string text, bool close_after) {
    auto out = std::make_shared<std::string>(std::move(text));
    ws_->text(true);
    ws_->async_write(asio::buffer(*out),
                     [self = shared_from_this(), out, close_after](beast::error_code ec, size_t) {
                       if (ec || self->closed_)
                         return self->close();
                       if (!close_after)
                         return self->read_frame();
                       self->ws_->async_close(websocket::close_code::normal,
                                              [self](beast::error_code) { self->close(); });
                     });
  }

  void after_delay(std::chrono::milliseconds delay, std::function<void()> fn) {
    if (delay.count() <= 0)
      return fn();
    delay_.expires_after(delay);
    delay_.async_wait([self = shared_from_this(), fn = std::move(fn)](beast::error_code ec) {
      if (!ec && !self->closed_)
        fn();
    });
  }

  fake_cua_server& server_;
  beast::tcp_stream stream_; // moved into ws_ on upgrade
  asio::steady_timer delay_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> ws_;
  bool authenticated_ = false;
  bool closed_ = false;
};

// -- lifecycle -----------------------------------------------------------------------------------

fake_cua_server::fake_cua_server(options opts)
    : options_(std::move(opts)), net_(std::make_unique<network>()) {
  rgb_image image;
  image.width = options_.screen_width;
  image.height = options_.screen_height;
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
  for (size_t i = 0; i + 2 < image.pixels.size(); i += 3) {
    image.pixels[i] = 40;
    image.pixels[i + 1] = 80;
    image.pixels[i + 2] = 120;
  }
  auto png = encode_png(image);
  if (!png)
    throw std::runtime_error("fake_cua_server: cannot encode the default screenshot");
  screenshot_png_ = std::move(*png);
  // Where a fresh X display puts the pointer.
  cursor_x_ = options_.screen_width / 2;
  cursor_y_ = options_.screen_height / 2;
  // The server thread does not run yet, so binding here is safe and gives the port at once.
  start_listening();
  port_ = net_->acceptor.local_endpoint().port();
  net_->thread = std::thread([this] {
    for (;;) {
      try {
        net_->io.run();
        break;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "fake_cua_server: %s\n", e.what());
      }
    }
    net_->finished.set_value();
  });
}

fake_cua_server::~fake_cua_server() {
  auto finished = net_->finished.get_future();
  try {
    stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake_cua_server: %s\n", e.what());
  }
  net_->work.reset();
  // Closed connections finish their handlers at once; the fallback only guards against a stuck one.
  if (finished.wait_for(server_thread_timeout) != std::future_status::ready)
    net_->io.stop();
  net_->thread.join();
}

int fake_cua_server::port() const {
  return port_;
}

std::string fake_cua_server::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void fake_cua_server::stop() {
  run_on_server_thread("stop", [this] { close_everything(); });
}

void fake_cua_server::restart() {
  run_on_server_thread("restart", [this] {
    if (!net_->listening)
      start_listening();
  });
}

void fake_cua_server::run_on_server_thread(const char* what, std::function<void()> fn) {
  // Shared: the task may still run after a timed-out wait here has returned.
  auto done = std::make_shared<std::promise<void>>();
  auto result = done->get_future();
  asio::post(net_->io, [fn = std::move(fn), done] {
    try {
      fn();
      done->set_value();
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  });
  if (result.wait_for(server_thread_timeout) != std::future_status::ready)
    throw std::runtime_error(std::string("fake_cua_server: ") + what + " timed out");
  result.get();
}

void fake_cua_server::start_listening() {
  auto& acceptor = net_->acceptor;
  tcp::endpoint endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port_));
  try {
    acceptor.open(endpoint.protocol());
    // Child processes the test starts must not inherit the port (they would keep it listening).
    fcntl(acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
    // The old port still has connections in TIME_WAIT after stop().
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
  } catch (...) {
    beast::error_code ignored;
    acceptor.close(ignored);
    throw;
  }
  net_->listening = true;
  accept_next();
}

void fake_cua_server::close_everything() {
  net_->listening = false;
  beast::error_code ignored;
  net_->acceptor.close(ignored);
  for (auto& weak : net_->connections)
    if (auto c = weak.lock())
      c->close();
  net_->connections.clear();
}

void fake_cua_server::accept_next() {
  net_->acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    // An accept that completed just before stop() must not serve: drop the socket.
    if (ec || !net_->listening)
      return;
    auto& all = net_->connections;
    all.erase(std::remove_if(all.begin(), all.end(), [](auto& w) { return w.expired(); }),
              all.end());
    auto c = std::make_shared<connection>(*this, std::move(socket));
    all.push_back(c);
    c->start();
    accept_next();
  });
}

// -- protocol ------------------------------------------------------------------------------------

namespace {

// Returns `text` as JSON, or as a JSON string when it is not JSON (then `parse_error` says why),
// so that every request can be recorded as it came.
json parse_request(const std::string& text, std::string& parse_error) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    parse_error = e.what();
    return text;
  }
}

} // namespace

fake_cua_server::verdict fake_cua_server::on_ws_frame(const std::string& text,
                                                      bool& authenticated) {
  std::string parse_error;
  auto frame = parse_request(text, parse_error);
  std::lock_guard<std::mutex> guard(mutex_);
  auto v = recorded("ws", frame);
  if (v.drop)
    return v;
  if (!options_.api_key.empty() && !authenticated) {
    const auto params = frame.is_object() ? frame.value("params", json::object()) : json{};
    bool ok = command_name(frame) == "authenticate" && failures_.count("authenticate") == 0 &&
              string_field(params, "api_key") == options_.api_key &&
              string_field(params, "container_name") == options_.container_name;
    if (ok) {
      authenticated = true;
      v.reply = {{"success", true}, {"message", "Authenticated"}};
    } else {
      auto scripted = failures_.find("authenticate");
      v.reply = failure(scripted != failures_.end() ? scripted->second : "Authentication failed");
      v.close_after = true;
    }
    return v;
  }
  v.reply = parse_error.empty() ? execute(frame) : failure("Invalid JSON: " + parse_error);
  return v;
}

fake_cua_server::verdict fake_cua_server::on_http_command(const std::string& body,
                                                          const std::string& container_name,
                                                          const std::string& api_key) {
  std::string parse_error;
  auto frame = parse_request(body, parse_error);
  if (parse_error.empty() && !frame.is_object())
    parse_error = "not a JSON object";
  std::lock_guard<std::mutex> guard(mutex_);
  auto v = recorded("http", frame);
  if (v.drop)
    return v;
  // The real server's refusals: FastAPI HTTPExceptions, {"detail": ...}.
  auto refuse = [&v](int status, const std::string& detail) {
    v.status = status;
    v.reply = {{"detail", detail}};
    return v;
  };
  if (!parse_error.empty())
    return refuse(400, "Invalid JSON body: " + parse_error);
  if (string_field(frame, "command").empty())
    return refuse(400, "Command is required");
  if (!options_.api_key.empty()) {
    if (container_name.empty())
      return refuse(401, "Container name required");
    if (api_key.empty())
      return refuse(401, "API key required");
    if (container_name != options_.container_name || api_key != options_.api_key)
      return refuse(401, "Authentication failed");
  }
  v.reply = execute(frame);
  // The real server turns an unknown command on /cmd into HTTP 400, not a success:false event.
  auto error = v.reply.find("error");
  if (error != v.reply.end() && error->is_string()
      && error->get<std::string>().rfind("Unknown command: ", 0) == 0)
    return refuse(400, error->get<std::string>());
  return v;
}

std::pair<int, json> fake_cua_server::on_status() const {
  std::lock_guard<std::mutex> guard(mutex_);
  if (!status_ok_)
    return {503, {{"status", "error"}}};
  return {200, {{"status", "ok"}, {"os_type", "linux"}, {"features", json::array()}}};
}

void fake_cua_server::count_websocket_connection() {
  std::lock_guard<std::mutex> guard(mutex_);
  ++websocket_connections_;
}

fake_cua_server::verdict fake_cua_server::recorded(const std::string& transport,
                                                   const json& frame) {
  received_.push_back({transport, frame});
  received_cv_.notify_all();
  verdict v;
  v.delay = reply_delay_;
  auto drop = drops_.find(command_name(frame));
  if (drop != drops_.end()) {
    v.drop = true;
    if (--drop->second <= 0)
      drops_.erase(drop);
  }
  return v;
}

json fake_cua_server::execute(const json& frame) {
  if (!frame.is_object())
    return failure("Invalid request: not a JSON object");
  auto name = command_name(frame);
  if (auto scripted = failures_.find(name); scripted != failures_.end())
    return failure(scripted->second);
  auto params = frame.value("params", json::object());
  if (params.is_null())
    params = json::object();
  if (!params.is_object())
    return failure("'params' must be an object");
  try {
    return execute_command(name, params);
  } catch (const std::invalid_argument& e) {
    return failure(e.what());
  }
}

void fake_cua_server::move_cursor_to(int64_t x, int64_t y) {
  // Like a real pointer: it stops at the screen's edges.
  cursor_x_ = static_cast<int32_t>(std::clamp<int64_t>(x, 0, options_.screen_width - 1));
  cursor_y_ = static_cast<int32_t>(std::clamp<int64_t>(y, 0, options_.screen_height - 1));
}

json fake_cua_server::execute_command(const std::string& name, const json& params) {
  const json ok = {{"success", true}};
  auto move_if_given = [&] {
    auto x = number_param(name, params, "x");
    auto y = number_param(name, params, "y");
    if (x && y)
      move_cursor_to(*x, *y);
  };
  if (name == "screenshot") {
    string_param(name, params, "format", "png");
    number_param(name, params, "quality");
    return {{"success", true}, {"image_data", base64_encode(screenshot_png_)}};
  }
  if (name == "get_screen_size")
    return {{"success", true},
            {"size", {{"width", options_.screen_width}, {"height", options_.screen_height}}}};
  if (name == "get_cursor_position")
    return {{"success", true}, {"position", {{"x", cursor_x_}, {"y", cursor_y_}}}};
  if (name == "left_click" || name == "right_click" || name == "double_click") {
    move_if_given();
    return ok;
  }
  if (name == "mouse_down" || name == "mouse_up") {
    check_button(name, params);
    move_if_given();
    return ok;
  }
  if (name == "move_cursor" || name == "drag_to") {
    auto x = required_number(name, params, "x");
    auto y = required_number(name, params, "y");
    if (name == "drag_to") {
      check_button(name, params);
      number_param(name, params, "duration");
    }
    move_cursor_to(x, y);
    return ok;
  }
  if (name == "drag") {
    auto path = params.find("path");
    if (path == params.end() || path->is_null())
      missing(name, "path");
    if (!path->is_array())
      throw std::invalid_argument("drag(): 'path' must be a list of points");
    check_button(name, params);
    for (const auto& point : *path) {
      // Points come as [x, y] pairs or {"x": .., "y": ..} objects.
      json xy =
          point.is_array() && point.size() == 2 ? json{{"x", point[0]}, {"y", point[1]}} : point;
      if (!xy.is_object())
        throw std::invalid_argument("drag(): a point must be [x, y]");
      move_cursor_to(required_number(name, xy, "x"), required_number(name, xy, "y"));
    }
    return ok;
  }
  if (name == "key_down" || name == "key_up" || name == "press_key") {
    string_param(name, params, "key");
    return ok;
  }
  if (name == "type_text") {
    string_param(name, params, "text");
    return ok;
  }
  if (name == "hotkey") {
    auto keys = params.find("keys");
    if (keys == params.end() || keys->is_null())
      missing(name, "keys");
    if (!keys->is_array() ||
        !std::all_of(keys->begin(), keys->end(), [](const json& k) { return k.is_string(); }))
      throw std::invalid_argument("hotkey(): 'keys' must be a list of key names");
    return ok;
  }
  if (name == "scroll") {
    required_number(name, params, "x");
    required_number(name, params, "y");
    return ok;
  }
  if (name == "scroll_down" || name == "scroll_up") {
    number_param(name, params, "clicks");
    return ok;
  }
  if (name == "run_command") {
    string_param(name, params, "command");
    number_param(name, params, "timeout");
    return {{"success", true},
            {"stdout", run_stdout_},
            {"stderr", run_stderr_},
            {"return_code", run_return_code_}};
  }
  if (name == "version")
    return {{"success", true}, {"protocol", 1}, {"package", "fake"}};
  return failure("Unknown command: " + name);
}

// -- test-side accessors and scripts -------------------------------------------------------------

std::vector<fake_cua_server::received_command> fake_cua_server::received() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return received_;
}

std::vector<json> fake_cua_server::commands() const {
  std::lock_guard<std::mutex> guard(mutex_);
  std::vector<json> result;
  for (const auto& r : received_)
    if (command_name(r.frame) != "authenticate")
      result.push_back(r.frame);
  return result;
}

void fake_cua_server::clear_received() {
  std::lock_guard<std::mutex> guard(mutex_);
  received_.clear();
}

int fake_cua_server::websocket_connections() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return websocket_connections_;
}

std::pair<int32_t, int32_t> fake_cua_server::cursor() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return {cursor_x_, cursor_y_};
}

void fake_cua_server::set_screenshot_png(std::vector<uint8_t> png) {
  std::lock_guard<std::mutex> guard(mutex_);
  screenshot_png_ = std::move(png);
}

void fake_cua_server::set_reply_delay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> guard(mutex_);
  reply_delay_ = delay;
}

void fake_cua_server::drop_on(const std::string& command, int times) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (times > 0)
    drops_[command] += times;
}

void fake_cua_server::fail(const std::string& command, const std::string& error) {
  std::lock_guard<std::mutex> guard(mutex_);
  failures_[command] = error;
}

void fake_cua_server::set_run_command_result(std::string stdout_text, std::string stderr_text,
                                             int return_code) {
  std::lock_guard<std::mutex> guard(mutex_);
  run_stdout_ = std::move(stdout_text);
  run_stderr_ = std::move(stderr_text);
  run_return_code_ = return_code;
}

void fake_cua_server::set_status_ok(bool ok) {
  std::lock_guard<std::mutex> guard(mutex_);
  status_ok_ = ok;
}

bool fake_cua_server::wait_for_commands(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return received_cv_.wait_for(lock, timeout, [&] {
    auto count = std::count_if(received_.begin(), received_.end(), [](const auto& r) {
      return command_name(r.frame) != "authenticate";
    });
    return static_cast<size_t>(count) >= n;
  });
}

} // namespace cua::test
