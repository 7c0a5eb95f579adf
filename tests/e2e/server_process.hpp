#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "util/child_process.hpp"

namespace cua::test {

using namespace std::chrono_literals;

/// The built server, started with pipes for stdin and stdout (stderr goes to a file), for tests that
/// speak JSON-RPC to it as a client would. Kills the server if a test leaves it running.
class server_process {
public:
  /// Starts the server with `args` and `env` added to the test's environment; as user `run_as`
  /// (its uid and group) if given, which needs root; through `launcher` if given, a command that
  /// ends by executing the server in its place (e.g. `ip netns exec NAME`).
  explicit server_process(std::vector<std::string> args, std::vector<std::string> env = {},
                          std::optional<uid_t> run_as = std::nullopt,
                          std::vector<std::string> launcher = {});
  ~server_process();

  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  /// Writes `line` and a newline to the server's stdin.
  void send_line(const std::string& line);
  void send(const nlohmann::json& message) { send_line(message.dump()); }

  /// Returns the next message on stdout, or nothing within `timeout`. Fails the test on a line that
  /// is not JSON: stdout must carry MCP messages only.
  std::optional<nlohmann::json> next_message(std::chrono::milliseconds timeout = 10s);

  /// Sends a request and returns its response; notifications that arrive meanwhile are kept in
  /// notifications(), other responses in stray_responses().
  nlohmann::json request(const std::string& method, nlohmann::json params = nlohmann::json::object(),
                         std::chrono::milliseconds timeout = 20s, nlohmann::json meta = nullptr);

  /// Sends a request without waiting; returns its id.
  nlohmann::json start_request(const std::string& method, nlohmann::json params,
                               nlohmann::json meta = nullptr);

  /// Waits for the response to `id`.
  nlohmann::json wait_response(const nlohmann::json& id, std::chrono::milliseconds timeout = 20s);

  /// Runs initialize + notifications/initialized; returns the initialize result.
  nlohmann::json initialize(const std::string& version = "2025-11-25",
                            nlohmann::json capabilities = nlohmann::json::object());

  /// Calls a tool and returns the tools/call result.
  nlohmann::json call_tool(const std::string& name, nlohmann::json arguments = nlohmann::json::object(),
                           std::chrono::milliseconds timeout = 20s);

  /// Returns everything the server writes to stdout until it closes it (for --help, --version).
  std::string raw_output(std::chrono::milliseconds timeout = 5s);

  void close_stdin();

  /// Waits for the process to end; returns its exit code (128 + signal if killed), or nothing.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// Returns the pids of processes whose parent is the server.
  std::vector<pid_t> children() const;

  /// Returns the pids of every process below the server (sandboxed desktops are a few levels down).
  std::vector<pid_t> descendants() const;

  /// Returns the descendants whose command name is `name`, e.g. "Xvfb".
  std::vector<pid_t> descendants_named(const std::string& name) const;

  /// Returns what the server wrote to stderr so far.
  std::string stderr_text() const;

  pid_t pid() const { return child_->pid(); }
  std::vector<nlohmann::json>& notifications() { return notifications_; }
  std::vector<nlohmann::json>& stray_responses() { return stray_; }

private:
  std::optional<child_process> child_;
  std::string stderr_path_;
  int next_id_ = 1;
  std::vector<nlohmann::json> notifications_;
  std::vector<nlohmann::json> stray_;
};

/// Returns the path of the built server.
std::string server_binary();

/// Writes a replay script to a temporary file and returns its path (removed at process exit).
std::string write_replay_script(const std::string& lines);

/// Returns the width and height of a base64 PNG, from its header.
std::pair<int, int> png_size(const std::string& base64);

/// Returns the text of content block `index` of a tool result ("" if it has none).
inline std::string text_of(const nlohmann::json& result, size_t index = 0) {
  return result["content"][index].value("text", "");
}

/// Returns the text of every text block of a tool result, each followed by a newline.
inline std::string all_text_of(const nlohmann::json& result) {
  std::string text;
  for (const auto& block : result["content"])
    if (block["type"] == "text")
      text += block["text"].get<std::string>() + "\n";
  return text;
}

} // namespace cua::test
