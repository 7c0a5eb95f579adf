#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cua::test {

/// Returns the frame a client sends for `command`: {"command": ..., "params": {...}}.
inline nlohmann::json cua_frame(const std::string& command,
                                nlohmann::json params = nlohmann::json::object()) {
  return {{"command", command}, {"params", std::move(params)}};
}

/// A loopback stand-in for Cua's computer-server: WebSocket at /ws, POST /cmd and GET /status on
/// one ephemeral port, with a fake screen (size, cursor, screenshot) that the commands act on.
/// Tests script failures, drops, delays and outages, and read back every frame it received.
/// Everything runs on one server thread; every public call is safe from any other thread.
class fake_cua_server {
public:
  struct options {
    std::string api_key;        // non-empty: authentication is required
    std::string container_name; // what the authenticate frame / X-Container-Name must say
    bool websocket = true;      // false: /ws refuses the upgrade with HTTP 404
    int32_t screen_width = 1024;
    int32_t screen_height = 768;
  };
  struct received_command {
    std::string transport; // "ws" or "http"
    nlohmann::json frame;  // as received; a body that is not JSON is kept as a JSON string
  };

  explicit fake_cua_server(options opts);
  fake_cua_server() : fake_cua_server(options{}) {}
  ~fake_cua_server();

  fake_cua_server(const fake_cua_server&) = delete;
  fake_cua_server& operator=(const fake_cua_server&) = delete;

  int port() const;

  /// Returns the base URL, e.g. "http://127.0.0.1:41234".
  std::string url() const;

  /// Returns every frame received (refused, dropped and authenticate frames included), in order.
  std::vector<received_command> received() const;

  /// Returns the frames of received() minus authenticate frames.
  std::vector<nlohmann::json> commands() const;

  void clear_received();

  /// Returns how many WebSocket upgrades succeeded so far.
  int websocket_connections() const;

  /// Returns where the fake cursor is now.
  std::pair<int32_t, int32_t> cursor() const;

  void set_screenshot_png(std::vector<uint8_t> png);
  void set_reply_delay(std::chrono::milliseconds delay);
  void drop_on(const std::string& command, int times = 1);
  void fail(const std::string& command, const std::string& error);
  void set_run_command_result(std::string stdout_text, std::string stderr_text, int return_code);
  void set_status_ok(bool ok);

  /// Stops accepting and closes every connection at once, as if the computer went away.
  void stop();

  /// Listens again on the same port; the fake screen and the scripts are kept.
  void restart();

  /// Returns whether at least `n` non-authenticate commands arrived within `timeout`.
  bool wait_for_commands(size_t n, std::chrono::milliseconds timeout) const;

private:
  class connection;
  struct network;

  // What a connection does with one request.
  struct verdict {
    bool drop = false;        // close without answering
    bool close_after = false; // answer, then close
    int status = 200;         // HTTP only: 200 sends `reply` as an event, else as a JSON body
    nlohmann::json reply;
    std::chrono::milliseconds delay{0};
  };

  verdict on_ws_frame(const std::string& text, bool& authenticated);
  verdict on_http_command(const std::string& body, const std::string& container_name,
                          const std::string& api_key);
  std::pair<int, nlohmann::json> on_status() const;
  void count_websocket_connection();

  // These expect mutex_ held.
  // Records `frame` and returns the verdict every request starts from: the scripted delay, and
  // whether to drop the connection instead of answering.
  verdict recorded(const std::string& transport, const nlohmann::json& frame);
  nlohmann::json execute(const nlohmann::json& frame);
  nlohmann::json execute_command(const std::string& name, const nlohmann::json& params);
  void move_cursor_to(int64_t x, int64_t y);

  void run_on_server_thread(const char* what, std::function<void()> fn);
  void start_listening();
  void close_everything();
  void accept_next();

  const options options_;
  int port_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable received_cv_;
  std::vector<received_command> received_;
  std::vector<uint8_t> screenshot_png_;
  int32_t cursor_x_ = 0;
  int32_t cursor_y_ = 0;
  std::chrono::milliseconds reply_delay_{0};
  std::map<std::string, int> drops_;
  std::map<std::string, std::string> failures_;
  std::string run_stdout_;
  std::string run_stderr_;
  int run_return_code_ = 0;
  bool status_ok_ = true;
  int websocket_connections_ = 0;

  std::unique_ptr<network> net_; // last: its thread must stop before the state above goes
};

} // namespace cua::test
