#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cua {

/// How the Streamable HTTP transport listens and whom it lets in.
struct http_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8765;
  std::string path = "/mcp";
  /// Origins a browser page may call from (exact, e.g. "https://app.example"). Pages on this
  /// host's loopback names are always allowed; any other Origin is refused (DNS rebinding).
  std::vector<std::string> allowed_origins;
  /// Host header values accepted besides the loopback names and the listening address.
  std::vector<std::string> allowed_hosts;
  std::string auth_token; // empty: no token asked for (unless client_tokens has some)
  /// --token-file: each client token and the principal it stands for (its label), whose rights
  /// the server looks up; a client opened with one token is only ever reached with that token.
  std::vector<std::pair<std::string, std::string>> client_tokens;
  int32_t max_clients = 32;      // MCP sessions (Mcp-Session-Id) at once
  int32_t max_connections = 256; // TCP connections at once
  size_t max_body = 16 * 1024 * 1024;
  double client_idle_timeout_s = 1800; // a client with no request and no open stream this long ends
  /// A client that holds nothing (no session, stream or request in flight) ends after this long
  /// without a request: most clients never send DELETE.
  double empty_client_timeout_s = 120;
  /// At max_clients, a new client may take the slot of an idle one whose sessions have all been
  /// idle this long (0: only of one without sessions); the --evict-idle of sessions.
  double reclaim_idle_s = 60;
  /// A client active within this long keeps its slot whatever it holds (it is between requests of
  /// one conversation); a new client waits for that, within its bounded wait for a slot.
  double client_grace_s = 2;
  double keepalive_interval_s = 15;    // SSE comment lines on quiet streams, to find dead peers
};

} // namespace cua
