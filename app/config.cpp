#include <fcntl.h>
#include <unistd.h>
#include <filesystem>
#include "app/config.hpp"

#include <CLI/CLI.hpp>
#include <caf/config.hpp>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "agent/model_registry.hpp"
#include "app/build_info.hpp"
#include "app/config_file.hpp"
#include "computers/backend_registry.hpp"
#include "computers/cua_endpoint.hpp"
#include "mcp/protocol.hpp"
#include "messages/errors.hpp"
#include "tools/tool_registry.hpp"

namespace cua {

namespace {

// "1280x800" -> width and height, each from 64 to 8192.
std::string parse_screen(const std::string& text, backend_options& out) {
  auto x = text.find('x');
  if (x == std::string::npos)
    return "must be WIDTHxHEIGHT, e.g. 1280x800";
  try {
    size_t used_w = 0;
    size_t used_h = 0;
    auto w = std::stoi(text.substr(0, x), &used_w);
    auto h = std::stoi(text.substr(x + 1), &used_h);
    if (used_w != x || used_h != text.size() - x - 1)
      return "must be WIDTHxHEIGHT, e.g. 1280x800";
    if (w < 64 || h < 64 || w > 8192 || h > 8192)
      return "width and height must be between 64 and 8192";
    out.screen_width = w;
    out.screen_height = h;
    return {};
  } catch (const std::exception&) {
    return "must be WIDTHxHEIGHT, e.g. 1280x800";
  }
}

std::string footer() {
  std::string text = "Backends:\n";
  for (const auto& b : backends())
    text += "  " + b.name + ": " + b.description + "\n";
  text += "Model providers (--model / CUA_MODEL_NAME):\n";
  for (const auto& p : model_providers())
    text += "  " + p.usage + "\n";
  text += "\nSpeaks MCP over stdin/stdout (--transport stdio), or to many clients over Streamable HTTP\n"
          "(--transport http, at http://HOST:PORT/mcp). Logs go to stderr. Bearer token for HTTP:\n"
          "--auth-token-file or CUA_MCP_AUTH_TOKEN.";
  return text;
}

// Gathers the cua backend's computers from --cua-url and --cua-urls-file and checks them; throws
// a CLI11 validation error that says what is wrong.
void settle_cua_urls(server_config& cfg, const std::string& urls_file) {
  auto& options = cfg.backend;
  if (!urls_file.empty()) {
    auto listed = read_cua_urls_file(urls_file);
    if (!listed)
      throw CLI::ValidationError(describe(listed.error()));
    options.cua_urls.insert(options.cua_urls.end(), listed->begin(), listed->end());
  }
  if (options.backend != "cua") {
    if (!options.cua_urls.empty())
      throw CLI::ValidationError("--cua-url and --cua-urls-file need --backend cua");
    return;
  }
  if (options.cua_urls.empty())
    throw CLI::ValidationError("--backend cua needs at least one --cua-url (or --cua-urls-file)");
  if (const char* key = std::getenv("CUA_API_KEY"); key != nullptr)
    options.cua_api_key = key;
  for (const auto& spec : options.cua_urls) {
    auto endpoint = parse_cua_endpoint(spec);
    if (!endpoint)
      throw CLI::ValidationError(describe(endpoint.error()));
    if (!options.cua_api_key.empty() && endpoint->container_name.empty())
      throw CLI::ValidationError("--cua-url \"" + spec + "\": CUA_API_KEY is set, and the server "
                                 "wants a container name with it: give it as NAME=URL");
  }
}

// Splits "HOST:PORT" ("[::1]:PORT" for IPv6); throws a CLI11 validation error naming the problem.
void parse_listen(const std::string& text, http_options& http) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    throw CLI::ValidationError("--listen \"" + text + "\": expected HOST:PORT, e.g. 127.0.0.1:8765");
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty())
    throw CLI::ValidationError("--listen \"" + text + "\": the host is missing");
  auto port_text = text.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5
      || std::stoi(port_text) > 65535)
    throw CLI::ValidationError("--listen \"" + text + "\": the port must be a number up to 65535");
  http.host = host;
  http.port = static_cast<uint16_t>(std::stoi(port_text));
}

// Splits a node address "HOST:PORT"; throws a CLI11 validation error naming `flag`.
node_address parse_node_address(const std::string& text, const std::string& flag) {
  http_options parsed;
  try {
    parse_listen(text, parsed);
  } catch (const CLI::ValidationError&) {
    throw CLI::ValidationError(flag + " \"" + text + "\": expected HOST:PORT, e.g. 127.0.0.1:4242");
  }
  return {parsed.host, parsed.port};
}

// Reads the node secret (the file's first line) and the hosts (flags and file); throws a CLI11
// validation error that says what is wrong.
void settle_nodes(server_config& cfg, const std::string& node_listen,
                  const std::vector<std::string>& hosts, const std::string& hosts_file,
                  const std::string& secret_file) {
  cfg.node_listen = parse_node_address(node_listen, "--node-listen");
  std::vector<std::string> all = hosts;
  if (!hosts_file.empty()) {
    std::ifstream in(hosts_file);
    std::string line;
    while (std::getline(in, line)) {
      auto start = line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] == '#')
        continue;
      auto end = line.find_last_not_of(" \t\r");
      all.push_back(line.substr(start, end - start + 1));
    }
  }
  for (const auto& text : all)
    cfg.hosts.push_back(parse_node_address(text, "--hosts"));
  if (cfg.local_computers > 0 && cfg.hosts.empty())
    throw CLI::ValidationError("--local-computers goes with --hosts (without hosts, every "
                               "computer is local: see --pool-size)");
  if (cfg.role == node_role::host && !cfg.hosts.empty())
    throw CLI::ValidationError("--hosts is for a front (the MCP server), not for --role host");
  auto tls_files = !cfg.node_ca_file.empty() + !cfg.node_cert_file.empty() + !cfg.node_key_file.empty();
  if (tls_files != 0 && tls_files != 3)
    throw CLI::ValidationError("TLS between nodes needs all three of --node-ca-file, "
                               "--node-cert-file and --node-key-file");
  if (!secret_file.empty()) {
    std::ifstream in(secret_file);
    std::getline(in, cfg.node_secret);
    while (!cfg.node_secret.empty() && std::isspace(static_cast<unsigned char>(cfg.node_secret.back())))
      cfg.node_secret.pop_back();
    if (cfg.node_secret.empty())
      throw CLI::ValidationError("--node-secret-file " + secret_file + ": the first line is empty");
  }
}

// Reads the bearer token HTTP clients must send: the file's first line, or CUA_MCP_AUTH_TOKEN.
void settle_auth_token(server_config& cfg, const std::string& token_file, bool view_listen) {
  std::string token;
  bool listens = cfg.transport == transport_kind::http || view_listen;
  if (!token_file.empty() && !listens)
    throw CLI::ValidationError("--auth-token-file needs --transport http or --view-listen; over "
                               "stdio the client is the parent process");
  if (!listens)
    return; // CUA_MCP_AUTH_TOKEN may be set for other servers of the user's; stdio ignores it
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in)
      throw CLI::ValidationError("--auth-token-file " + token_file + ": cannot read it");
    std::getline(in, token);
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
      token.pop_back();
    if (token.empty())
      throw CLI::ValidationError("--auth-token-file " + token_file + ": the first line is empty");
  } else if (const char* env = std::getenv("CUA_MCP_AUTH_TOKEN"); env != nullptr && *env != 0) {
    token = env;
  }
  cfg.http.auth_token = std::move(token);
}


// What the command line gives as text (or in another unit) before it becomes the configuration.
struct option_texts {
  std::string screen = "1280x800";
  std::string sandbox_mode = "on";
  std::string network;
  std::vector<std::string> binds;
  std::string cua_urls_file;
  int32_t settle_ms = 0;
  int32_t settle_quiet_ms = 0;
  std::string settle_mode = "screen";
  std::string transport = "stdio";
  std::string desktop_memory = "2G";
  std::string role = "server";
  std::string listen;
  std::string view_listen;
  std::vector<std::string> tools;
  std::string client_token_file;
  std::string token_file;
  std::string node_listen = "127.0.0.1:4242";
  std::vector<std::string> hosts;
  std::string hosts_file;
  std::string node_secret_file;

  explicit option_texts(const server_config& cfg)
    : network(to_string(cfg.backend.sandbox.network)),
      settle_ms(static_cast<int32_t>(cfg.backend.settle.bound.count())),
      settle_quiet_ms(static_cast<int32_t>(cfg.backend.settle.quiet.count())),
      listen(cfg.http.host + ":" + std::to_string(cfg.http.port)) {
  }
};

// The kind of computer and its screen.
void add_backend_options(CLI::App& app, server_config& cfg, option_texts& texts) {
  std::vector<std::string> backend_names;
  for (const auto& b : backends())
    backend_names.push_back(b.name);
  app.add_option("--backend", cfg.backend.backend, "Kind of computer each session gets")
    ->capture_default_str()
    ->check(CLI::IsMember(backend_names));
  app.add_option("--screen", texts.screen, "Screen size of each computer, WIDTHxHEIGHT")
    ->capture_default_str()
    ->check([&](const std::string& text) {
      backend_options probe;
      return parse_screen(text, probe);
    });
}

// The xvfb backend's desktops: window manager, start-up command and sandbox.
void add_desktop_options(CLI::App& app, server_config& cfg, option_texts& texts) {
  app.add_option("--window-manager", cfg.backend.window_manager,
                 "xvfb backend: window manager of each desktop (empty: none)")
    ->capture_default_str();
  app.add_option("--desktop-startup", cfg.backend.desktop_startup,
                 "xvfb backend: command each desktop starts with, run by sh -c (empty: none)")
    ->capture_default_str();
  app.add_option("--desktop-sandbox", texts.sandbox_mode,
                 "xvfb backend: on: each desktop runs in a bwrap sandbox (own namespaces, an "
                 "unprivileged user, the system read-only, private HOME and /tmp, its own X "
                 "socket only, limits); off: unconfined, as the server's user (warned)")
    ->capture_default_str()
    ->check(CLI::IsMember({"on", "off"}));
  app.add_option("--desktop-user", cfg.backend.sandbox.user,
                 "xvfb backend: the unprivileged user desktops run as when the server runs as "
                 "root (an ordinary user's server runs them as that user, in a user namespace)")
    ->capture_default_str();
  app.add_option("--desktop-network", texts.network,
                 "xvfb backend: isolated: the outside through slirp4netns, never the host's "
                 "loopback; none: no network; host: the host's network, loopback services too")
    ->capture_default_str()
    ->check(CLI::IsMember({"isolated", "none", "host"}));
  app.add_option("--desktop-bind", texts.binds,
                 "xvfb backend: a host path every desktop sees, SRC:DST[:ro] (repeatable)")
    ->type_name("SRC:DST[:ro]")
    ->check([](const std::string& text) {
      auto bind = parse_desktop_bind(text);
      return bind ? std::string{} : describe(bind.error());
    });
  app.add_option("--desktop-max-procs", cfg.backend.sandbox.max_procs,
                 "xvfb backend: processes (and threads) at most per desktop (0: no limit)")
    ->capture_default_str()
    ->check(CLI::Range(0, 1 << 22));
  // Kept as given (2G), so that --print-config shows it so; made bytes in finish_config.
  app.add_option("--desktop-memory", texts.desktop_memory,
                 "xvfb backend: memory at most per desktop, e.g. 2G or 512M (0: no limit)")
    ->capture_default_str()
    ->check([](const std::string& text) {
      auto bytes = text;
      return CLI::AsSizeValue(false)(bytes);
    });
  app.add_option("--desktop-cpus", cfg.backend.sandbox.cpus,
                 "xvfb backend: CPU time at most per desktop, in cores (0: no limit)")
    ->capture_default_str()
    ->check(CLI::Range(0.0, 1024.0));
}

// Sessions, the pool, and how long actions and their settling may take.
void add_session_options(CLI::App& app, server_config& cfg, option_texts& texts) {
  app.add_option("--max-sessions", cfg.max_sessions,
                 "Sessions at most; past it a new one takes the room of an idle one (see "
                 "--evict-idle) or is refused at once")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));
  app.add_option("--pool-size", cfg.pool_size, "Computers at most (0: the session limit)")
    ->capture_default_str()
    ->check(CLI::Range(0, 100000));
  app.add_option("--pool-warm", cfg.pool_warm, "Started spare computers kept ready ahead of demand")
    ->capture_default_str()
    ->check(CLI::Range(0, 1000));
  app.add_option("--idle-timeout", cfg.idle_timeout_s,
                 "Seconds without a call or a running task after which a session is reaped")
    ->capture_default_str()
    ->check(CLI::Range(0.001, 1e7));
  app.add_option("--evict-idle", cfg.evict_idle_s,
                 "When a new session would pass --max-sessions, the longest-idle session of another "
                 "client whose sessions have all been idle this many seconds is closed to make room "
                 "(0: never); at --max-clients, an HTTP client whose sessions are that idle gives "
                 "its slot to a new client")
    ->capture_default_str()
    ->check(CLI::Range(0.0, 1e7));
  app.add_option("--reap-interval", cfg.reap_interval_s, "Seconds between checks for idle sessions")
    ->capture_default_str()
    ->check(CLI::Range(0.001, 1e7));
  app.add_option("--acquire-timeout", cfg.acquire_timeout_s,
                 "Seconds a new session waits for a free computer before it fails")
    ->capture_default_str()
    ->check(CLI::Range(0.001, 86400.0));
  app.add_option("--action-timeout", cfg.action_timeout_s,
                 "Seconds one action or screenshot may take before it fails")
    ->capture_default_str()
    ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--settle-ms", texts.settle_ms,
                 "Milliseconds at most to wait after an action for the screen to settle before "
                 "the screenshot (a screen that never stops changing returns at this bound)")
    ->capture_default_str()
    ->check(CLI::Range(0, 60000));
  app.add_option("--settle-quiet-ms", texts.settle_quiet_ms,
                 "Milliseconds without a change on the screen (or a busy desktop) after which "
                 "it counts as settled (0: no waiting)")
    ->capture_default_str()
    ->check(CLI::Range(0, 10000));
  app.add_option("--settle-mode", texts.settle_mode,
                 "screen: wait until the screen is quiet (xvfb: X DAMAGE and the desktop's CPU "
                 "time; cua: successive screenshots alike); fixed: always wait --settle-ms")
    ->capture_default_str()
    ->check(CLI::IsMember({"screen", "fixed"}));
}

// The sim and cua backends: the sim's latency, the cua backend's computers and their upkeep.
void add_computer_service_options(CLI::App& app, server_config& cfg, option_texts& texts) {
  app.add_option("--sim-latency-ms", cfg.backend.sim_latency_ms,
                 "sim backend: delay added to every computer call, in ms")
    ->capture_default_str()
    ->check(CLI::Range(0, 60000));
  app.add_option("--cua-url", cfg.backend.cua_urls,
                 "cua backend: a computer-server, [CONTAINER=]URL (http(s)://HOST[:PORT]; ports "
                 "default to 8000, 8443 with TLS); once per computer. API key: CUA_API_KEY")
    ->type_name("URL");
  app.add_option("--cua-urls-file", texts.cua_urls_file,
                 "cua backend: a file of --cua-url values, one per line ('#' comments)")
    ->check(CLI::ExistingFile);
  app.add_option("--cua-timeout", cfg.backend.cua_timeout_s,
                 "cua backend: seconds one command to a computer may take; past it the computer "
                 "is taken out of service")
    ->capture_default_str()
    ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--cua-reset-command", cfg.backend.cua_reset_command,
                 "cua backend: shell command run on a computer when it starts and between "
                 "sessions (empty: none, so one session's state reaches the next)")
    ->capture_default_str();
  app.add_option("--cua-reset-timeout", cfg.backend.cua_reset_timeout_s,
                 "cua backend: seconds the reset command may take")
    ->capture_default_str()
    ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--cua-ca-file", cfg.backend.cua_ca_file,
                 "cua backend: PEM certificates to trust for https/wss besides the system's")
    ->check(CLI::ExistingFile);
  app.add_option("--probe-interval", cfg.probe_interval_s,
                 "cua backend: seconds a failed computer stays out of service before it is "
                 "tried again")
    ->capture_default_str()
    ->check(CLI::Range(0.001, 86400.0));
}

// The agent behind run_cua_task.
void add_agent_options(CLI::App& app, server_config& cfg) {
  app.add_option("--model", cfg.model, "Model behind run_cua_task, \"provider/model\" or replay:PATH")
    ->envname("CUA_MODEL_NAME")
    ->capture_default_str();
  app.add_option("--max-images", cfg.max_images,
                 "Most recent screenshots kept in the agent's context")
    ->envname("CUA_MAX_IMAGES")
    ->capture_default_str()
    ->check(CLI::Range(1, 10));
  app.add_option("--max-steps", cfg.max_steps, "Model turns at most per task")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000));
  app.add_option("--model-timeout", cfg.model_timeout_s, "Seconds one model turn may take")
    ->capture_default_str()
    ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--model-retries", cfg.model_retries,
                 "Retries of a model call on timeouts, HTTP 429 and 5xx")
    ->capture_default_str()
    ->check(CLI::Range(0, 10));
  app.add_option("--model-backoff-ms", cfg.model_backoff_ms,
                 "First wait before a retry, doubled each time (a Retry-After header wins)")
    ->capture_default_str()
    ->check(CLI::Range(0, 600000));
  app.add_option("--trajectory-dir", cfg.trajectory_dir,
                 "Record every task under this directory (task.json, steps.jsonl, screenshots); "
                 "replay one with --model replay:DIR/TASK");
  app.add_option("--trajectory-max-mb", cfg.trajectory_max_mb,
                 "Most MiB the recordings may take; the oldest are removed first (0: no bound)")
    ->capture_default_str()
    ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  app.add_option("--task-ttl-max", cfg.task_ttl_max_s,
                 "Seconds an MCP task (a tools/call run in the background) and its result are kept "
                 "at most, from its creation; a task still running then is cancelled. Over HTTP "
                 "also bounded by --client-idle-timeout")
    ->capture_default_str()
    ->check(CLI::Range(1.0, 7.0 * 24 * 3600));
  app.add_option("--task-max-per-client", cfg.task_max_per_client,
                 "MCP tasks one client may hold, running or finished; more are refused")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));
  app.add_option("--task-results-max-mb", cfg.task_results_max_mb,
                 "MiB of finished MCP tasks' results one client may hold; past it new tasks are "
                 "refused until results pass their ttl")
    ->capture_default_str()
    ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
}

// The clients: how they connect, and what each may hold.
void add_client_options(CLI::App& app, server_config& cfg, option_texts& texts) {
  app.add_option("--progress-interval", cfg.progress_interval_s,
                 "Seconds between progress heartbeats while a call waits (at most 10)")
    ->capture_default_str()
    ->check(CLI::Range(0.01, 10.0));
  app.add_option("--max-in-flight", cfg.max_in_flight,
                 "Tool calls the client may have running at once; more are refused")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));
  app.add_option("--max-sessions-per-client", cfg.max_sessions_per_client,
                 "Sessions one client may hold at once (0: --max-sessions); over HTTP")
    ->capture_default_str()
    ->check(CLI::Range(0, 100000));
  app.add_option("--transport", texts.transport,
                 "stdio: one client on stdin/stdout; http: many clients over Streamable HTTP")
    ->capture_default_str()
    ->check(CLI::IsMember({"stdio", "http"}));
  app.add_option("--listen", texts.listen, "HOST:PORT the HTTP transport listens on (endpoint /mcp)")
    ->capture_default_str();
  app.add_option("--allowed-origins", cfg.http.allowed_origins,
                 "Browser Origins allowed besides this host's loopback names (exact, "
                 "e.g. https://app.example); others get 403")
    ->delimiter(',');
  app.add_option("--allowed-hosts", cfg.http.allowed_hosts,
                 "Host header values allowed besides loopback names and the --listen address; "
                 "others get 403")
    ->delimiter(',');
  app.add_option("--auth-token-file", texts.token_file,
                 "File whose first line is the bearer token HTTP clients must send "
                 "(else CUA_MCP_AUTH_TOKEN; neither: no token)")
    ->check(CLI::ExistingFile);
  app.add_option("--max-clients", cfg.http.max_clients,
                 "HTTP clients (MCP sessions) at once; past it a new client takes the slot of the "
                 "least recently active one that holds nothing in use (see --evict-idle), else 503")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));
  app.add_option("--max-connections", cfg.http.max_connections,
                 "TCP connections at once; more are answered 503 and closed")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));
  app.add_option("--max-body", cfg.http.max_body, "Bytes at most in one HTTP request body (413)")
    ->capture_default_str()
    ->check(CLI::Range(size_t{1024}, size_t{1} << 30));
  app.add_option("--client-idle-timeout", cfg.http.client_idle_timeout_s,
                 "Seconds an HTTP client may go without a request or an open stream; then it "
                 "ends and its sessions are cleaned up")
    ->capture_default_str()
    ->check(CLI::Range(0.001, 1e7));
  app.add_option("--client-grace", cfg.http.client_grace_s,
                 "Seconds after its last request an HTTP client keeps its slot whatever it holds; "
                 "at --max-clients a new client waits that long at most for an idle one's slot")
    ->capture_default_str()
    ->check(CLI::Range(0.0, 2.5));
  app.add_option("--empty-client-timeout", cfg.http.empty_client_timeout_s,
                 "Seconds an HTTP client with no session, stream or request in flight may go "
                 "without a request; then it ends (most clients never send DELETE)")
    ->capture_default_str()
    ->check(CLI::Range(0.001, 1e7));
}

// What the operator lets clients do.
void add_policy_options(CLI::App& app, server_config& cfg, option_texts& texts) {
  app.add_option("--tools", texts.tools,
                 "Only these tools are listed and callable (comma-separated); the others are "
                 "unknown tools")
    ->delimiter(',')
    ->check([](const std::string& name) {
      if (tool_table().find(name) != nullptr)
        return std::string{};
      std::string known;
      for (const auto& tool : tool_table().all())
        known += (known.empty() ? "" : ", ") + tool.name;
      return "there is no tool \"" + name + "\" (the tools are: " + known + ")";
    });
  app.add_option("--token-file", texts.client_token_file,
                 "HTTP: one client token a line, \"TOKEN [tools=a,b] [read-only] [max-sessions=N] "
                 "[name=LABEL]\": each token gets its own rights (within --tools and --read-only) "
                 "and a label that logs and the audit name")
    ->check(CLI::ExistingFile);
  app.add_option("--audit-log", cfg.audit_log,
                 "Append one JSON line per tool call and per action of the nested agent (time, "
                 "client, session, tool or action with its arguments, outcome, duration) to FILE");
  app.add_option("--audit-max-mb", cfg.audit_max_mb,
                 "MiB the audit log grows to before it is rotated (FILE.1 ... FILE.5)")
    ->capture_default_str()
    ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  app.add_flag("--audit-redact-text", cfg.audit_redact_text,
               "The audit log records typed text by its length only");
  app.add_flag("--read-only", cfg.rights.read_only,
               "Screens may be looked at (screenshot_cua, computer screenshot and "
               "cursor_position, get_session_stats) but not acted on; run_cua_task and "
               "run_multi_cua_tasks are not offered");
}

// --tools: the tools offered at all.
void settle_tools(server_config& cfg, const std::vector<std::string>& names) {
  if (names.empty())
    return;
  cfg.rights.tools = std::set<std::string>(names.begin(), names.end()); // checked by the option
}

// Reads --token-file: one client token a line, "TOKEN [tools=a,b,c] [read-only] [max-sessions=N]
// [name=LABEL]" ('#' comments, blank lines skipped). A token's rights are its line's, within the
// server's own (--tools, --read-only). Throws a CLI11 validation error naming the line.
void settle_token_file(server_config& cfg, const std::string& file) {
  if (file.empty())
    return;
  if (cfg.transport != transport_kind::http)
    throw CLI::ValidationError("--token-file needs --transport http");
  std::ifstream in(file);
  if (!in)
    throw CLI::ValidationError("--token-file " + file + ": cannot read it");
  std::set<std::string> tokens{cfg.http.auth_token};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    auto where = "--token-file " + file + " line " + std::to_string(number) + ": ";
    std::istringstream words(line);
    std::string token;
    if (!(words >> token) || token[0] == '#')
      continue;
    if (!tokens.insert(token).second)
      throw CLI::ValidationError(where + "this token is given twice (each token stands for one "
                                         "set of rights)");
    auto rights = std::make_shared<client_rights>(cfg.rights);
    rights->label = "token " + std::to_string(number);
    rights->tools_source = rights->read_only_source
      = "its token's line " + std::to_string(number) + " of --token-file";
    std::string word;
    while (words >> word) {
      auto eq = word.find('=');
      auto key = word.substr(0, eq);
      auto value = eq == std::string::npos ? std::string{} : word.substr(eq + 1);
      if (key == "read-only" && eq == std::string::npos) {
        rights->read_only = true;
      } else if (key == "tools" && !value.empty()) {
        std::set<std::string> names;
        std::istringstream list(value);
        std::string name;
        while (std::getline(list, name, ','))
          if (!name.empty()) {
            if (tool_table().find(name) == nullptr)
              throw CLI::ValidationError(where + "there is no tool \"" + name + "\"");
            if (!cfg.rights.offers(name))
              throw CLI::ValidationError(where + "tool \"" + name + "\" is not offered at all (--tools)");
            names.insert(name);
          }
        rights->tools = std::move(names);
      } else if (key == "max-sessions" && !value.empty()
                 && value.find_first_not_of("0123456789") == std::string::npos && value.size() < 7
                 && std::stoi(value) > 0) {
        rights->max_sessions = std::stoi(value);
      } else if (key == "name" && !value.empty()
                 && value.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789._-") == std::string::npos) {
        rights->label = value;
      } else if (key == "read-only" || key == "tools" || key == "max-sessions" || key == "name") {
        throw CLI::ValidationError(where + "bad value in \"" + word + "\" (read-only takes none, "
                                   "tools= a list of tool names, max-sessions= a positive number, "
                                   "name= letters, digits, '.', '_' or '-')");
      } else {
        throw CLI::ValidationError(where + "unknown key \"" + key + "\" (the keys are tools=, "
                                   "read-only, max-sessions= and name=)");
      }
    }
    if (cfg.token_rights.count(rights->label) > 0)
      throw CLI::ValidationError(where + "the name \"" + rights->label + "\" is given twice");
    cfg.http.client_tokens.emplace_back(token, rights->label);
    cfg.token_rights.emplace(rights->label, std::move(rights));
  }
  if (cfg.token_rights.empty())
    throw CLI::ValidationError("--token-file " + file + ": no token in it");
}

// The live view: a web page of every session, to watch them and take one over.
void add_view_options(CLI::App& app, server_config& cfg, option_texts& texts) {
  app.add_flag("!--no-view", cfg.view,
               "Turn the live view off (by default it is served at / of the HTTP transport, "
               "and at --view-listen)");
  app.add_option("--view-listen", texts.view_listen,
                 "HOST:PORT of the live view's own listener (with --transport stdio, the only way "
                 "to have it); the same Host/Origin checks and token as the MCP endpoint");
  app.add_flag("--view-read-only", cfg.view_read_only,
               "The live view shows the sessions but takes no action (no pause, input, end, "
               "clean-up)");
  app.add_option("--view-fps", cfg.view_fps,
                 "Frames a second at most per watched screen (only while a page watches it, only "
                 "when it changes)")
    ->capture_default_str()
    ->check(CLI::Range(0.2, 30.0));
  app.add_option("--view-max-pause", cfg.view_max_pause_s,
                 "Seconds an operator's pause lasts at most; then the agent goes on")
    ->capture_default_str()
    ->check(CLI::Range(1.0, 86400.0));
}

// Computer hosts on other machines: a host's own port, a front's hosts, and what they share.
void add_node_options(CLI::App& app, server_config& cfg, option_texts& texts) {
  app.add_option("--role", texts.role,
                 "server: the MCP server (its computers local, or on --hosts); host: a computer "
                 "host for fronts on other machines (speaks no MCP)")
    ->capture_default_str()
    ->check(CLI::IsMember({"server", "host"}));
  app.add_option("--node-listen", texts.node_listen,
                 "--role host: HOST:PORT fronts connect to (loopback unless told otherwise)")
    ->capture_default_str();
  app.add_option("--hosts", texts.hosts,
                 "Computer hosts to draw computers from instead of local ones, HOST:PORT,...")
    ->delimiter(',');
  app.add_option("--hosts-file", texts.hosts_file, "A file of --hosts values, one per line ('#' comments)")
    ->check(CLI::ExistingFile);
  app.add_option("--node-secret-file", texts.node_secret_file,
                 "File whose first line is the secret every node shares; a front proves it to each "
                 "host before it gets a computer (never sent or logged)")
    ->check(CLI::ExistingFile);
  app.add_option("--node-ca-file", cfg.node_ca_file,
                 "TLS between nodes: the CA certificate (PEM) every peer's certificate must be "
                 "signed by (with --node-cert-file and --node-key-file)")
    ->check(CLI::ExistingFile);
  app.add_option("--node-cert-file", cfg.node_cert_file, "TLS between nodes: this node's certificate (PEM)")
    ->check(CLI::ExistingFile);
  app.add_option("--node-key-file", cfg.node_key_file, "TLS between nodes: this node's private key (PEM)")
    ->check(CLI::ExistingFile);
  app.add_option("--local-computers", cfg.local_computers,
                 "With --hosts: this many computers of the front's own backend besides the hosts' "
                 "(placed like a host's, as \"local\")")
    ->capture_default_str()
    ->check(CLI::Range(0, 100000));
  app.add_option("--host-timeout", cfg.host_timeout_s,
                 "Seconds a computer host may take to connect or answer before it counts as gone")
    ->capture_default_str()
    ->check(CLI::Range(0.1, 3600.0));
}

// The recordings' directory is made now, so that one that cannot be written is refused at start
// rather than found out at the first task.
void settle_trajectory_dir(const server_config& cfg) {
  if (cfg.trajectory_dir.empty())
    return;
  std::error_code ec;
  std::filesystem::create_directories(cfg.trajectory_dir, ec);
  if (ec || access(cfg.trajectory_dir.c_str(), W_OK | X_OK) != 0)
    throw CLI::ValidationError("--trajectory-dir " + cfg.trajectory_dir
                               + ": cannot make or write it"
                               + (ec ? " (" + ec.message() + ")" : std::string{}));
}

// Turns what was parsed into the configuration, checking what one option alone cannot; throws a
// CLI11 validation error that says what is wrong.
// With `dry_run` (--print-config) nothing is made on disk: no recordings' directory, no audit log.
void finish_config(const CLI::App& app, server_config& cfg, const option_texts& texts, bool dry_run) {
  auto& sandbox = cfg.backend.sandbox;
  cfg.transport = texts.transport == "http" ? transport_kind::http : transport_kind::stdio;
  cfg.role = texts.role == "host" ? node_role::host : node_role::server;
  settle_cua_urls(cfg, texts.cua_urls_file);
  parse_listen(texts.listen, cfg.http);
  settle_auth_token(cfg, texts.token_file, !texts.view_listen.empty());
  if (!texts.view_listen.empty()) {
    cfg.has_view_listen = true;
    cfg.view_http = cfg.http; // the same checks and token
    try {
      parse_listen(texts.view_listen, cfg.view_http);
    } catch (const CLI::ValidationError&) {
      throw CLI::ValidationError("--view-listen \"" + texts.view_listen
                                 + "\": expected HOST:PORT, e.g. 127.0.0.1:8766");
    }
  }
  settle_nodes(cfg, texts.node_listen, texts.hosts, texts.hosts_file, texts.node_secret_file);
  cfg.http.reclaim_idle_s = cfg.evict_idle_s;
  if (!dry_run)
    settle_trajectory_dir(cfg);
  settle_tools(cfg, texts.tools);
  settle_token_file(cfg, texts.client_token_file);
  if (!cfg.audit_log.empty() && !dry_run) { // refused at start rather than found out at the first call
    int fd = ::open(cfg.audit_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
      throw CLI::ValidationError("--audit-log " + cfg.audit_log + ": cannot write it ("
                                 + std::strerror(errno) + ")");
    ::close(fd);
  }
  sandbox.enabled = texts.sandbox_mode == "on";
  cfg.backend.settle.bound = std::chrono::milliseconds(texts.settle_ms);
  cfg.backend.settle.quiet = std::chrono::milliseconds(texts.settle_quiet_ms);
  cfg.backend.settle.fixed = texts.settle_mode == "fixed";
  if (texts.settle_ms >= cfg.action_timeout_s * 1000) {
    if (app.count("--settle-ms") > 0)
      throw CLI::ValidationError("--settle-ms " + std::to_string(texts.settle_ms)
                                 + " must be below --action-timeout (settling is part of an action)");
    // A short --action-timeout alone: settling takes at most half of it.
    cfg.backend.settle.bound = std::chrono::milliseconds(
      static_cast<int64_t>(cfg.action_timeout_s * 500));
  }
  sandbox.network = texts.network == "none"   ? desktop_network::none
                    : texts.network == "host" ? desktop_network::host
                                        : desktop_network::isolated;
  for (const auto& text : texts.binds)
    sandbox.binds.push_back(*parse_desktop_bind(text));
  auto memory = texts.desktop_memory;
  CLI::AsSizeValue(false)(memory);
  auto bytes = std::strtoull(memory.c_str(), nullptr, 10);
  if (bytes > (uint64_t{1} << 50))
    throw CLI::ValidationError("--desktop-memory " + texts.desktop_memory + ": more than a PiB");
  sandbox.memory_bytes = static_cast<int64_t>(bytes);
  if (sandbox.memory_bytes != 0 && sandbox.memory_bytes < (int64_t{64} << 20))
    throw CLI::ValidationError("--desktop-memory: at least 64M (an X server alone needs that)");
  parse_screen(texts.screen, cfg.backend);
}

// Every setting's flag, in the order --help, the man page and --print-config list them.
void describe_options(CLI::App& app, server_config& cfg, option_texts& texts) {
  add_backend_options(app, cfg, texts);
  add_desktop_options(app, cfg, texts);
  add_computer_service_options(app, cfg, texts);
  add_session_options(app, cfg, texts);
  add_agent_options(app, cfg);
  add_client_options(app, cfg, texts);
  add_view_options(app, cfg, texts);
  add_policy_options(app, cfg, texts);
  add_node_options(app, cfg, texts);
  app.add_option("--log-level", cfg.log_level, "Lowest level logged to stderr")
    ->capture_default_str()
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_option("--workers", cfg.workers, "Actor scheduler threads (0: one per core, at least 2)")
    ->capture_default_str()
    ->check(CLI::Range(0, 256));
}

// Checks one key of a config file against a table of its own, as if it were the flag --KEY=VALUE
// alone on a command line (env vars aside): the file's bad values are refused with their line
// before any of it is applied.
config_key_verdict check_config_key(const std::string& key, const std::vector<std::string>& values) {
  server_config scratch;
  option_texts scratch_texts{scratch};
  CLI::App app;
  describe_options(app, scratch, scratch_texts);
  CLI::Option* option = is_command_key(key) ? nullptr : app.get_option_no_throw("--" + key);
  if (option == nullptr || option->get_lnames().empty() || option->get_lnames().front() != key) {
    std::vector<std::string> keys;
    for (const auto* each : app.get_options())
      if (!each->get_lnames().empty() && !is_command_key(each->get_lnames().front()))
        keys.push_back(each->get_lnames().front());
    auto near = nearest_key(key, keys);
    return {"unknown key \"" + key + "\"" + (near.empty() ? std::string{} : " (did you mean \"" + near + "\"?)")
            + "; every flag of --help is a key, without its dashes"};
  }
  config_key_verdict verdict;
  // CLI11 lets an empty env var pass: so does the file.
  if (const char* env = std::getenv(option->get_envname().c_str());
      !option->get_envname().empty() && env != nullptr && *env != 0)
    verdict.env_wins = true;
  // The values go in as CLI11 applies a config file's (flags through their flag value), then
  // the option's checks and conversion run.
  try {
    if (option->get_expected_max() == 0) {
      if (values.size() != 1)
        throw CLI::ConversionError(key + " is a flag: true or false");
      option->add_result(option->get_flag_value(key, values.front()));
    } else {
      option->add_result(values);
    }
    option->run_callback();
  } catch (const CLI::Error& e) {
    verdict.error = key + ": " + e.what();
  } catch (const std::exception& e) {
    verdict.error = key + ": bad value (" + e.what() + ")";
  }
  return verdict;
}

// What --version prints: this build, its commit, and what it speaks.
std::string version_text() {
  std::string revisions = mcp::modern_version() + " (stateless)";
  for (const auto& revision : mcp::supported_versions())
    revisions += ", " + revision;
  return "cua-mcp-server " CUA_VERSION "\n"
         "commit " + std::string{build_commit()} + "\n"
         "CAF " + std::to_string(CAF_VERSION / 10000) + "." + std::to_string(CAF_VERSION / 100 % 100)
         + "." + std::to_string(CAF_VERSION % 100) + "\n"
         "MCP protocol revisions: " + revisions;
}

// What --print-config says of the secrets it never prints.
std::string secrets_comment(const server_config& cfg, const option_texts& texts) {
  std::string out = "\n# Secrets are never printed:\n";
  std::string token = "none";
  if (!texts.token_file.empty())
    token = "from auth-token-file";
  else if (!cfg.http.auth_token.empty())
    token = "from CUA_MCP_AUTH_TOKEN";
  out += "#   the HTTP bearer token: " + token + "\n";
  if (!cfg.http.client_tokens.empty())
    out += "#   client tokens: " + std::to_string(cfg.http.client_tokens.size()) + " from token-file\n";
  if (!cfg.node_secret.empty())
    out += "#   the node secret: from node-secret-file\n";
  for (const char* variable : {"CUA_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY"})
    if (const char* value = std::getenv(variable); value != nullptr && *value != 0)
      out += std::string{"#   "} + variable + ": set in the environment\n";
  return out;
}

} // namespace

std::variant<server_config, int> parse_command_line(int argc, char** argv) {
  server_config cfg;
  option_texts texts{cfg};
  CLI::App app{"cua-mcp-server: an MCP server that gives desktop AI agents computers to use, one "
               "isolated computer per session.",
               "cua-mcp-server"};
  app.footer(footer());
  app.set_version_flag("--version", version_text, "Print the version, the commit, CAF's version "
                       "and the MCP protocol revisions spoken, and exit");
  app.config_formatter(std::make_shared<config_file_format>(check_config_key));
  auto* config_option = app.set_config("--config", "", "Read settings from this TOML file: each "
                                       "flag is a key without its dashes (max-sessions = 4, tools = "
                                       "[\"computer\"], read-only = true); flags, then env vars, "
                                       "win over it");
  config_option->type_name("FILE");
  bool print_config = false;
  app.add_flag("--print-config", print_config, "Print the effective configuration as a --config "
               "file (secrets are not printed) and exit");
  describe_options(app, cfg, texts);
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ConfigError& e) {
      throw CLI::ConfigError("--config " + config_option->as<std::string>() + " " + e.what());
    }
    finish_config(app, cfg, texts, print_config);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (print_config) {
    std::cout << "# cua-mcp-server " CUA_VERSION ": the effective configuration (--print-config).\n"
                 "# Read it back with --config FILE; flags, then env vars, win over the file.\n"
              << app.config_to_str(true, true) << secrets_comment(cfg, texts) << std::flush;
    return 0;
  }
  return cfg;
}

} // namespace cua
