#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "computers/backend_options.hpp"
#include "mcp/client_rights.hpp"
#include "transport/http_options.hpp"

namespace cua {

/// How MCP clients reach the server.
enum class transport_kind {
  stdio, // one client on stdin/stdout
  http,  // many clients over Streamable HTTP
};

/// What this process is: an MCP server (a front, with local computers or those of hosts), or a
/// computer host that fronts on other machines draw from.
enum class node_role {
  server,
  host,
};

/// A node address, HOST:PORT.
struct node_address {
  std::string host;
  uint16_t port = 0;
};

/// Every setting of the server, from flags and (where the Python server had them) env vars.
struct server_config {
  backend_options backend;
  transport_kind transport = transport_kind::stdio;
  http_options http;
  int32_t max_sessions = 10;
  int32_t max_sessions_per_client = 0; // 0: --max-sessions
  int32_t pool_size = 0; // 0: the session limit
  int32_t pool_warm = 1;
  double probe_interval_s = 30; // fixed computers (cua) out of service are tried again after this
  double idle_timeout_s = 600;
  double evict_idle_s = 60; // 0: sessions are never evicted to make room
  double reap_interval_s = 60;
  double acquire_timeout_s = 30;
  double action_timeout_s = 30;
  std::string model = "anthropic/claude-sonnet-4-5-20250929";
  int32_t max_images = 3;
  int32_t max_steps = 50;
  double model_timeout_s = 120;
  int32_t model_retries = 3;
  int32_t model_backoff_ms = 2000;
  std::string trajectory_dir;      // empty: tasks are not recorded
  int64_t trajectory_max_mb = 1024; // the recordings' bound; oldest removed first
  double task_ttl_max_s = 3600;        // the longest an MCP task and its result are kept
  int32_t task_max_per_client = 64;    // MCP tasks kept per client, running or finished
  int64_t task_results_max_mb = 256;   // bytes of MCP task results kept per client
  /// What clients may do (--tools, --read-only); over HTTP, --token-file gives each token its own.
  client_rights rights;
  /// --token-file: each token's rights by its principal (its label); the tokens themselves are in
  /// http.client_tokens.
  std::map<std::string, std::shared_ptr<const client_rights>> token_rights;
  std::string audit_log;          // empty: no audit (--audit-log)
  int64_t audit_max_mb = 100;     // then the audit log is rotated
  bool audit_redact_text = false; // typed text by its length only
  // The live view (view/): on the HTTP transport's address, or on --view-listen's (stdio too).
  bool view = true;
  bool has_view_listen = false;
  http_options view_http; // --view-listen: the view's own address (the HTTP checks and token alike)
  bool view_read_only = false;
  double view_fps = 5;
  double view_max_pause_s = 600;
  double progress_interval_s = 5;
  int32_t max_in_flight = 256; // tools/call requests of the client at once
  std::string log_level = "info";
  int32_t workers = 0; // 0: one per core, at least 2
  node_role role = node_role::server;
  node_address node_listen{"127.0.0.1", 4242}; // a host's port for fronts
  std::vector<node_address> hosts;             // a front's computer hosts (none: local computers)
  std::string node_secret;                     // shared by every node; never logged
  std::string node_ca_file;   // TLS between nodes: the CA that signs every node's certificate
  std::string node_cert_file; // this node's certificate (PEM)
  std::string node_key_file;  // its private key (PEM)
  double host_timeout_s = 10;
  int32_t local_computers = 0; // a front with --hosts: computers of its own backend beside them
};

/// Returns the configuration the command line and environment ask for, or the exit code to end
/// with (after --help, --version, or an error, which CLI11 has already printed).
std::variant<server_config, int> parse_command_line(int argc, char** argv);

} // namespace cua
