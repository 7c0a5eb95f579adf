#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "computers/cua_endpoint.hpp"

namespace cua {

struct cua_channel_settings {
  std::string api_key;  // CUA_API_KEY; empty: no authentication. Never logged.
  std::string ca_file;  // extra trusted certificates (PEM) besides the system's
  std::chrono::milliseconds command_timeout{20'000};
  std::chrono::milliseconds connect_timeout{5'000};
  int connect_attempts = 3; // per command, with a doubling backoff in between
  std::chrono::milliseconds first_backoff{200};
};

/// Whether a command may be sent again when the connection dropped before its reply came: reads
/// may, actions may not (a click done twice is a double click).
enum class resend_policy { safe, never };

/// The link to one Cua computer-server: one persistent WebSocket (the protocol has no request ids,
/// so one command is in flight at a time and replies come in order), reconnected with backoff when
/// it drops, and POST /cmd when the server or a proxy declines WebSocket. Every call is bounded by
/// the command timeout. Blocking: used only from the computer's own thread.
class cua_channel {
public:
  cua_channel(cua_endpoint endpoint, cua_channel_settings settings);
  ~cua_channel();

  cua_channel(const cua_channel&) = delete;
  cua_channel& operator=(const cua_channel&) = delete;

  /// GET /status: none if the server answers {"status": "ok"}, else a computer_failed error.
  caf::error check_status();

  /// Sends `command` with `params` and returns the reply's fields. Errors: invalid_action when the
  /// server refuses the command ({"success": false}) or the connection dropped with an action in
  /// flight (its outcome is unknown; the next call reconnects); computer_failed when the server
  /// cannot be reached, refuses the API key, answers garbage, or does not answer within `timeout`
  /// (zero: the command timeout of the settings).
  caf::expected<nlohmann::json> call(const std::string& command, const nlohmann::json& params,
                                     resend_policy policy,
                                     std::chrono::milliseconds timeout = std::chrono::milliseconds{0});

  /// Closes the WebSocket; the next call opens a new one (and tries WebSocket again if it had
  /// fallen back to HTTP).
  void disconnect();

  /// Whether commands currently go through POST /cmd.
  bool on_http_fallback() const;

  const cua_endpoint& endpoint() const;

  /// Returns the computer_failed error "the computer at URL `what`", the form of every failure
  /// this link reports.
  caf::error failure(const std::string& what) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cua
