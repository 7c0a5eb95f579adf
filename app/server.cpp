#include "app/server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <csignal>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/scoped_actor.hpp>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "actors/computer_actor.hpp"
#include "actors/host_actor.hpp"
#include "actors/pool_actor.hpp"
#include "actors/remote_pool_actor.hpp"
#include "actors/audit_actor.hpp"
#include "actors/metrics_actor.hpp"
#include "actors/supervisor_actor.hpp"
#include "actors/trajectory_actor.hpp"
#include "computers/backend_registry.hpp"
#include "mcp/bridge_actor.hpp"
#include "mcp/http_client_actor.hpp"
#include "mcp/http_rules.hpp"
#include "mcp/log_sink.hpp"
#include "mcp/task_registry_actor.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/register_messages.hpp"
#include "tools/tool_registry.hpp"
#include "transport/http_guard.hpp"
#include "transport/http_listener.hpp"
#include "transport/stdin_reader.hpp"
#include "transport/stdout_writer.hpp"
#include "view/view_files.hpp"
#include "view/view_hub_actor.hpp"
#include "util/ids.hpp"

namespace cua {

namespace {

caf::timespan seconds(double s) {
  return std::chrono::duration_cast<caf::timespan>(std::chrono::duration<double>(s));
}

std::shared_ptr<mcp_log_sink> set_up_logging(const std::string& level) {
  auto to_client = std::make_shared<mcp_log_sink>();
  auto to_stderr = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(
    "cua", spdlog::sinks_init_list{to_stderr, to_client});
  logger->set_level(spdlog::level::from_str(level));
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return to_client;
}

/// Ends the process if an orderly shutdown overruns its bound: the promise is exit within 5 s,
/// whatever a stuck computer or model call does.
class shutdown_watchdog {
public:
  explicit shutdown_watchdog(std::chrono::milliseconds bound) {
    thread_ = std::thread([this, bound] {
      std::unique_lock<std::mutex> guard(mutex_);
      if (!done_cv_.wait_for(guard, bound, [this] { return done_; })) {
        spdlog::error("shutdown took longer than {} ms; exiting now", bound.count());
        spdlog::default_logger()->flush();
        _exit(0);
      }
    });
  }
  ~shutdown_watchdog() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }

private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

constexpr const char* end_of_input = "the end of the input";

// Waits for SIGINT, SIGTERM or the end of the input; returns what it was.
std::string wait_for_end(int signal_fd, int eof_fd) {
  for (;;) {
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {eof_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return "a failed poll";
    }
    if (fds[0].revents != 0) {
      signalfd_siginfo info{};
      [[maybe_unused]] auto n = read(signal_fd, &info, sizeof(info));
      return info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
    }
    if (fds[1].revents != 0)
      return end_of_input;
  }
}

} // namespace

// How the pool is set up for `backend`.
pool_config pool_config_of(const server_config& cfg, const backend_entry& backend) {
  pool_config pool_cfg;
  pool_cfg.size = cfg.pool_size > 0 ? cfg.pool_size : cfg.max_sessions;
  pool_cfg.warm = std::min(cfg.pool_warm, pool_cfg.size);
  pool_cfg.acquire_timeout = seconds(cfg.acquire_timeout_s);
  pool_cfg.backend_name = backend.name;
  if (backend.isolation)
    std::tie(pool_cfg.isolation, pool_cfg.unconfined) = backend.isolation(cfg.backend);
  if (backend.fixed_ids) {
    pool_cfg.fixed_ids = backend.fixed_ids(cfg.backend);
    pool_cfg.size = std::min(pool_cfg.size, static_cast<int32_t>(pool_cfg.fixed_ids.size()));
    pool_cfg.warm = std::min(pool_cfg.warm, pool_cfg.size);
    // A remote start is a status check, the reset command and a command, each with its own bound:
    // the pool waits for all of them rather than give up on a computer that is merely slow.
    const auto& b = cfg.backend;
    pool_cfg.start_timeout = std::max(pool_cfg.start_timeout,
                                      seconds(2 * b.cua_timeout_s + b.cua_reset_timeout_s + 10));
    pool_cfg.reset_timeout = std::max(pool_cfg.reset_timeout,
                                      seconds(b.cua_timeout_s + b.cua_reset_timeout_s + 5));
  }
  pool_cfg.probe_interval = seconds(cfg.probe_interval_s);
  return pool_cfg;
}

// How the supervisor and its sessions are set up.
supervisor_config supervisor_config_of(const server_config& cfg, trajectory_api recorder,
                                        audit_api audit) {
  supervisor_config sup_cfg;
  sup_cfg.max_sessions = cfg.max_sessions;
  sup_cfg.idle_timeout = seconds(cfg.idle_timeout_s);
  sup_cfg.evict_idle = seconds(cfg.evict_idle_s);
  sup_cfg.reap_interval = seconds(cfg.reap_interval_s);
  sup_cfg.session.acquire_timeout = seconds(cfg.acquire_timeout_s + 5);
  sup_cfg.session.action_timeout = seconds(cfg.action_timeout_s);
  sup_cfg.session.agent.model = cfg.model;
  sup_cfg.session.agent.max_steps = cfg.max_steps;
  sup_cfg.session.agent.max_images = cfg.max_images;
  sup_cfg.session.agent.model_timeout = seconds(cfg.model_timeout_s);
  sup_cfg.session.agent.model_retries = cfg.model_retries;
  sup_cfg.session.agent.model_backoff = std::chrono::milliseconds(cfg.model_backoff_ms);
  sup_cfg.max_sessions_per_client = cfg.max_sessions_per_client;
  sup_cfg.session.agent.recorder = recorder;
  sup_cfg.session.agent.audit = audit;
  sup_cfg.session.client_label = cfg.transport == transport_kind::http ? "http" : "stdio";
  sup_cfg.session.max_pause = std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double>(cfg.view_max_pause_s));
  return sup_cfg;
}

// How the actor of HTTP client `client_id` is set up.
http_client_config http_client_config_of(const server_config& cfg, const std::string& client_id) {
  http_client_config client_cfg;
  client_cfg.client_id = client_id;
  client_cfg.idle_timeout = seconds(cfg.http.client_idle_timeout_s);
  client_cfg.keepalive_interval = seconds(cfg.http.keepalive_interval_s);
  client_cfg.empty_timeout = seconds(cfg.http.empty_client_timeout_s);
  client_cfg.reclaim_idle = seconds(cfg.evict_idle_s);
  client_cfg.max_pending = cfg.max_in_flight;
  return client_cfg;
}

// The long-lived actors, as shutdown stops them (bridge and writer: stdio only).
struct running_actors {
  caf::actor tasks; // the MCP task registry
  caf::actor bridge;
  caf::actor writer;
  supervisor_api supervisor;
  pool_api pool;
  caf::actor metrics;  // none over stdio
  caf::actor recorder; // none without --trajectory-dir
  caf::actor audit;    // none without --audit-log
};

// Stops the actors in order, each step bounded, all of them within the watchdog's bound; after the
// end of the input (`input_ended`), the calls read so far finish first.
void stop_actors(caf::actor_system& sys, const running_actors& actors, bool input_ended) {
  const auto& [tasks, bridge, writer, supervisor, pool, metrics, recorder, audit] = actors;
  caf::scoped_actor self{sys};
  // Every step has its own bound, and all of them together stay inside the watchdog's.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(4200);
  auto ask = [&](const auto& whom, caf::timespan bound, auto atom) {
    auto left = std::chrono::duration_cast<caf::timespan>(deadline
                                                          - std::chrono::steady_clock::now());
    bound = std::max(caf::timespan{std::chrono::milliseconds(1)}, std::min(bound, left));
    self->request(whom, bound, atom).receive([] {}, [](caf::error&) {});
  };
  // A client that closes its input right after its requests (`echo ... | cua-mcp-server`)
  // still gets their answers: the calls read so far finish first (tasks are cancelled).
  if (bridge && input_ended)
    ask(bridge, std::chrono::milliseconds(2500), drain_atom::value);
  // Then calls (nothing new starts; those left are answered as cancelled), then sessions (tasks
  // cancelled, computers returned), then the computers themselves, then whatever is still
  // queued for stdout, which is given the last of the time.
  // Asked, not told: the answers of the calls it cancels reach the writer before the flush.
  // MCP tasks stop first (their sessions' agents are cancelled later), so that the answers to
  // tasks/result requests reach the bridge before it stops.
  if (tasks)
    ask(tasks, std::chrono::milliseconds(300), shutdown_atom::value);
  if (bridge)
    ask(bridge, std::chrono::milliseconds(300), shutdown_atom::value);
  deadline -= std::chrono::milliseconds(400);
  if (supervisor)
    ask(supervisor, std::chrono::seconds(3), shutdown_atom::value);
  ask(pool, std::chrono::seconds(2), shutdown_atom::value);
  // The ended tasks' last records are written before it stops.
  if (recorder)
    ask(recorder, std::chrono::milliseconds(300), flush_atom::value);
  // So are the audit records of the calls and actions that ended (each is written as it comes).
  if (audit)
    ask(audit, std::chrono::milliseconds(300), flush_atom::value);
  deadline += std::chrono::milliseconds(400);
  if (writer)
    ask(writer, std::chrono::milliseconds(500), flush_atom::value);
  for (const auto& a : {tasks, bridge, caf::actor_cast<caf::actor>(supervisor),
                        caf::actor_cast<caf::actor>(pool), writer, metrics, recorder, audit})
    if (a)
      self->send_exit(a, caf::exit_reason::user_shutdown);
}

namespace {

// The process's own descriptors. Signals are taken by a signalfd, so every thread (CAF's
// included, which inherit the mask) must have them blocked before it starts. MCP messages get a
// private copy of stdout; fd 1 itself then points at stderr, so that nothing else in the process
// (a library, a child process) can ever corrupt the message stream.
struct process_fds {
  int signals = -1;
  int mcp_out = -1;
  int input_ended = -1; // an eventfd the stdin reader signals at the end of input

  void close_all() {
    close(signals);
    close(input_ended);
  }
};

process_fds take_over_process_fds() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  process_fds fds;
  fds.signals = signalfd(-1, &signals, SFD_CLOEXEC);
  fds.mcp_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  dup2(STDERR_FILENO, STDOUT_FILENO);
  fds.input_ended = eventfd(0, EFD_CLOEXEC);
  return fds;
}

bool uses_node_tls(const server_config& cfg) {
  return !cfg.node_ca_file.empty();
}

void configure_actor_system(caf::actor_system_config& sys_cfg, const server_config& cfg) {
  register_messages(sys_cfg);
  auto workers = cfg.workers > 0 ? cfg.workers
                                 : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  sys_cfg.set("scheduler.max-threads", static_cast<size_t>(workers));
  // An idle worker spins briefly, then sleeps until work arrives. CAF's middle phase (500 polls
  // 50 us apart) took CPU from the threads doing the work on 2 cores: without it, 20% more calls
  // per second at 1 in flight and a quarter less CPU per screenshot (benchmarks/RESULTS.md).
  sys_cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  // CAF's network layer, for computer hosts on other machines and the fronts that use them.
  if (cfg.role == node_role::host || !cfg.hosts.empty()) {
    sys_cfg.load<caf::io::middleman>();
    // A peer that says nothing (heartbeats included) for --host-timeout is gone: its connection
    // closes, so a stopped host fails its sessions' calls, and a stopped front's computers go back.
    auto timeout = seconds(cfg.host_timeout_s);
    sys_cfg.set("middleman.heartbeat-interval", caf::timespan{timeout / 4});
    sys_cfg.set("middleman.connection-timeout", caf::timespan{timeout});
    if (uses_node_tls(cfg)) {
      // Both sides present a certificate and check the peer's against the CA.
      sys_cfg.load<caf::openssl::manager>();
      sys_cfg.openssl_cafile = cfg.node_ca_file;
      sys_cfg.openssl_certificate = cfg.node_cert_file;
      sys_cfg.openssl_key = cfg.node_key_file;
    }
  }
}

// Says where the computers come from, for the ready line.
std::string computers_text(const server_config& cfg, const backend_entry& backend,
                           const pool_config& pool_cfg) {
  if (!cfg.hosts.empty())
    return "computers on " + std::to_string(cfg.hosts.size()) + " host(s)";
  return "backend " + backend.name + ", " + std::to_string(cfg.backend.screen_width) + "x"
         + std::to_string(cfg.backend.screen_height) + ", pool of " + std::to_string(pool_cfg.size);
}

// Makes the backend's computers on this machine.
computer_spawner local_spawner(const server_config& cfg, const backend_entry& backend) {
  auto options = cfg.backend;
  auto create = backend.create;
  return [options, create](caf::actor_system& sys, const std::string& id) {
    return spawn_computer(sys, create(id, options));
  };
}

// The computers the sessions draw from: a local pool of the backend's, or the pools of hosts.
pool_api spawn_pool(caf::actor_system& sys, const server_config& cfg, const backend_entry& backend) {
  if (!cfg.hosts.empty()) {
    remote_pool_config remote;
    for (const auto& h : cfg.hosts)
      remote.hosts.push_back({h.host, h.port});
    remote.secret = cfg.node_secret;
    remote.front_name = "front-" + std::to_string(getpid());
    remote.host_timeout = seconds(cfg.host_timeout_s);
    remote.acquire_timeout = seconds(cfg.acquire_timeout_s);
    if (uses_node_tls(cfg))
      remote.middleman = sys.openssl_manager().actor_handle();
    if (cfg.local_computers > 0) {
      auto local_cfg = pool_config_of(cfg, backend);
      local_cfg.size = cfg.local_computers;
      if (!local_cfg.fixed_ids.empty())
        local_cfg.size = std::min(local_cfg.size, static_cast<int32_t>(local_cfg.fixed_ids.size()));
      local_cfg.warm = std::min(local_cfg.warm, local_cfg.size);
      remote.local_pool = sys.spawn(pool_actor, local_cfg, local_spawner(cfg, backend));
      remote.local_capacity = local_cfg.size;
    }
    return sys.spawn(remote_pool_actor, remote);
  }
  return sys.spawn(pool_actor, pool_config_of(cfg, backend), local_spawner(cfg, backend));
}

// Starts the actor system and runs `body` on it (its result is the exit code), once the backend's
// check (the xvfb sandbox: a throw-away sandbox, ~10 ms) has passed; the check runs while the
// system starts, since its answer is needed only before the pool makes the first computer.
template <class Body>
int with_actor_system(const server_config& cfg, const backend_entry& backend, Body&& body) {
  auto checked = std::async(std::launch::async, [&cfg, &backend]() -> caf::error {
    return backend.check ? backend.check(cfg.backend) : caf::error{};
  });
  caf::actor_system_config sys_cfg;
  configure_actor_system(sys_cfg, cfg);
  caf::actor_system sys{sys_cfg};
  if (auto err = checked.get()) {
    spdlog::error("{}", describe(err));
    return 1;
  }
  return body(sys);
}

// Waits for a signal or the end of input, then arms the watchdog that bounds the shutdown; returns
// what ended the wait.
std::string await_end(const process_fds& fds, std::optional<shutdown_watchdog>& watchdog) {
  auto why = wait_for_end(fds.signals, fds.input_ended);
  spdlog::info("shutting down after {}", why);
  watchdog.emplace(std::chrono::milliseconds(4500));
  return why;
}

// The MCP tasks' bounds. Over HTTP a task lives as long as its client's MCP session at most, so
// its ttl is capped by the client's idle timeout too: the result a client was promised is there
// for as long as it was promised.
task_registry_config task_registry_config_of(const server_config& cfg) {
  task_registry_config tasks_cfg;
  auto ttl = cfg.task_ttl_max_s;
  if (cfg.transport == transport_kind::http)
    ttl = std::min(ttl, cfg.http.client_idle_timeout_s);
  tasks_cfg.ttl_max = std::chrono::duration_cast<caf::timespan>(std::chrono::duration<double>(ttl));
  tasks_cfg.max_per_owner = cfg.task_max_per_client;
  tasks_cfg.max_bytes_per_owner = static_cast<uint64_t>(cfg.task_results_max_mb) << 20;
  return tasks_cfg;
}

bridge_config bridge_config_of(const server_config& cfg) {
  bridge_config bridge_cfg;
  bridge_cfg.heartbeat_interval = seconds(cfg.progress_interval_s);
  bridge_cfg.max_in_flight = cfg.max_in_flight;
  bridge_cfg.tools = &tool_table();
  bridge_cfg.max_line = cfg.http.max_body;
  bridge_cfg.task_wait_bound = task_registry_config_of(cfg).ttl_max + std::chrono::minutes(1);
  return bridge_cfg;
}

// Listens for HTTP clients, each served by an http_client_actor of its own; returns what failed.
caf::error start_http(std::optional<http_listener>& listener, caf::actor_system& sys,
                      const server_config& cfg, const tool_services& services,
                      const bridge_config& bridge_cfg,
                      const std::shared_ptr<mcp_log_sink>& to_client,
                      const std::optional<http_view_routes>& view) {
  // A client opened with a --token-file token has that token's rights; with the operator's token
  // (or none), the server's.
  auto services_of = [services, &cfg](const std::string& principal) {
    auto own = services;
    if (auto i = cfg.token_rights.find(principal); !principal.empty() && i != cfg.token_rights.end())
      own.rights = i->second;
    return own;
  };
  auto spawn_client = [&sys, services_of, bridge_cfg, &cfg, to_client](
                        const std::string& client_id, const std::string& principal,
                        std::function<void(const std::string&)> on_end) {
    auto client_cfg = http_client_config_of(cfg, client_id);
    client_cfg.on_end = [to_client, on_end](const std::string& gone) {
      to_client->detach(gone);
      on_end(gone);
    };
    auto client = sys.spawn(http_client_actor, client_cfg, services_of(principal), bridge_cfg);
    to_client->attach(client, client_id); // the log lines that name it, and only those
    return client;
  };
  // A request of the stateless revision: one actor for it, its sessions the principal's (every
  // caller with the token, or anyone without one: then a session is reached by its id alone).
  // A --token-file token's stateless requests are a principal of their own.
  auto spawn_stateless = [&sys, services_of, bridge_cfg, &cfg](const std::string& principal) {
    http_client_config client_cfg;
    client_cfg.client_id = principal.empty() ? "stateless" : "stateless " + principal;
    client_cfg.stateless = true;
    client_cfg.max_pending = cfg.max_in_flight;
    return sys.spawn(http_client_actor, client_cfg, services_of(principal), bridge_cfg);
  };
  listener.emplace(cfg.http, std::make_shared<mcp_http_rules>(), spawn_client, spawn_stateless);
  auto metrics = caf::actor_cast<metrics_api>(services.metrics);
  listener->serve_metrics([metrics](exchange_ptr exchange, http_load load) {
    caf::anon_send(metrics, metrics_atom::value, std::move(exchange), std::move(load));
  });
  if (view)
    listener->serve_view(*view);
  if (auto err = listener->start()) {
    listener.reset();
    return err;
  }
  if (!is_loopback_name(cfg.http.host) && cfg.http.auth_token.empty() && cfg.token_rights.empty())
    spdlog::warn("listening on {} without a bearer token: anyone who can reach it can use the "
                 "computers; set --auth-token-file or CUA_MCP_AUTH_TOKEN",
                 cfg.http.host);
  return {};
}

// The live view's hub and its routes, if the view is served anywhere: on the HTTP transport's
// address or on --view-listen's; never beyond loopback without a token.
std::optional<http_view_routes> start_view_hub(caf::actor_system& sys, const server_config& cfg,
                                               const supervisor_api& supervisor,
                                               const audit_api& audit) {
  if (!cfg.view || (!cfg.has_view_listen && cfg.transport != transport_kind::http))
    return std::nullopt;
  const auto& where = cfg.has_view_listen ? cfg.view_http : cfg.http;
  if (!is_loopback_name(where.host) && where.auth_token.empty()) {
    spdlog::warn("the live view is off: it would listen on {} without a token; set "
                 "--auth-token-file (or CUA_MCP_AUTH_TOKEN) to have it there",
                 where.host);
    return std::nullopt;
  }
  view_config view_cfg;
  view_cfg.read_only = cfg.view_read_only;
  view_cfg.token_required = !where.auth_token.empty();
  view_cfg.fps = cfg.view_fps;
  view_cfg.action_timeout = seconds(cfg.action_timeout_s + 10);
  return http_view_routes{view_files(), sys.spawn(view_hub_actor, supervisor, view_cfg, audit)};
}

// Serves the live view on --view-listen's address; returns what failed.
caf::error start_view_listener(std::optional<http_listener>& listener, const server_config& cfg,
                               const http_view_routes& view) {
  listener.emplace(cfg.view_http, std::make_shared<mcp_http_rules>(), nullptr);
  listener->serve_view(view);
  if (auto err = listener->start()) {
    listener.reset();
    return err;
  }
  spdlog::info("live view on http://{}:{}/{}{}", cfg.view_http.host, listener->port(),
               cfg.view_read_only ? " (read-only)" : "",
               cfg.view_http.auth_token.empty() ? "" : ", token required");
  return {};
}

} // namespace

int run_server(const server_config& cfg) {
  auto fds = take_over_process_fds();
  auto to_client = set_up_logging(cfg.log_level);
  // Declared before the actor system so that it still guards the system's teardown, which waits
  // for every actor (a writer blocked on a full pipe, a computer stuck in a call).
  std::optional<shutdown_watchdog> watchdog;
  // Before the actor system, so that it goes after it: the actors' last handles on HTTP exchanges
  // end with the actors, while the listener's I/O context is still there.
  std::optional<http_listener> listener;
  std::optional<http_listener> view_listener; // --view-listen
  const auto* backend = find_backend(cfg.backend.backend);
  return with_actor_system(cfg, *backend, [&](caf::actor_system& sys) {
    auto pool_cfg = pool_config_of(cfg, *backend);
    auto pool = spawn_pool(sys, cfg, *backend);
    trajectory_api recorder;
    if (!cfg.trajectory_dir.empty()) // writes files: a thread of its own
      recorder = sys.spawn<caf::detached>(trajectory_actor, cfg.trajectory_dir,
                                          static_cast<uint64_t>(cfg.trajectory_max_mb) << 20);
    audit_api audit;
    if (!cfg.audit_log.empty()) // writes a file: a thread of its own
      audit = sys.spawn<caf::detached>(
        audit_actor, audit_config{cfg.audit_log, static_cast<uint64_t>(cfg.audit_max_mb) << 20,
                                  cfg.audit_redact_text});
    auto supervisor = sys.spawn(supervisor_actor, supervisor_config_of(cfg, recorder, audit), pool);

    tool_services services;
    services.supervisor = supervisor;
    services.logs = to_client;
    services.recorder = recorder;
    services.audit = audit;
    auto rights = cfg.rights;
    rights.label = cfg.transport == transport_kind::http ? "http" : "stdio";
    services.rights = std::make_shared<const client_rights>(std::move(rights));
    metrics_api metrics;
    if (cfg.transport == transport_kind::http) { // only /metrics reads them
      metrics = sys.spawn(metrics_actor, supervisor, services.query_timeout);
      services.metrics = metrics;
    }
    services.session_call_timeout = seconds(cfg.acquire_timeout_s + cfg.action_timeout_s + 10);
    auto bridge_cfg = bridge_config_of(cfg);
    auto tasks = sys.spawn(task_registry_actor, task_registry_config_of(cfg));
    bridge_cfg.tasks = tasks;

    caf::actor bridge;
    caf::actor writer;
    std::optional<stdin_reader> reader;
    auto view = start_view_hub(sys, cfg, supervisor, audit);
    auto give_up = [&](const caf::error& err) {
      spdlog::critical("{}", describe(err));
      for (const auto& a : {tasks, caf::actor_cast<caf::actor>(supervisor),
                            caf::actor_cast<caf::actor>(pool), caf::actor_cast<caf::actor>(metrics),
                            caf::actor_cast<caf::actor>(recorder),
                            caf::actor_cast<caf::actor>(audit), view ? view->hub : caf::actor{}})
        if (a)
          caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
      fds.close_all();
      return 1;
    };
    if (view && cfg.has_view_listen)
      if (auto err = start_view_listener(view_listener, cfg, *view))
        return give_up(err);
    if (cfg.transport == transport_kind::http) {
      if (auto err = start_http(listener, sys, cfg, services, bridge_cfg, to_client,
                                cfg.has_view_listen ? std::nullopt : view))
        return give_up(err);
      spdlog::info("cua-mcp-server {} ready on http://{}:{}{}: {}, up to {} sessions "
                   "({} per client), up to {} clients{}",
                   CUA_VERSION, cfg.http.host, listener->port(), cfg.http.path,
                   computers_text(cfg, *backend, pool_cfg), cfg.max_sessions,
                   cfg.max_sessions_per_client > 0 ? cfg.max_sessions_per_client : cfg.max_sessions,
                   cfg.http.max_clients,
                   cfg.http.auth_token.empty() ? ", no bearer token" : ", bearer token required");
      if (view && !cfg.has_view_listen)
        spdlog::info("live view on http://{}:{}/{}", cfg.http.host, listener->port(),
                     cfg.view_read_only ? " (read-only)" : "");
    } else {
      services.default_session_id = random_uuid();
      bridge_cfg.max_line = 16 * 1024 * 1024;
      writer = sys.spawn<caf::detached>(stdout_writer, fds.mcp_out);
      bridge = sys.spawn(bridge_actor, writer, services, bridge_cfg);
      to_client->attach(bridge);
      reader.emplace(STDIN_FILENO, bridge_cfg.max_line, bridge, [eof_fd = fds.input_ended] {
        uint64_t one = 1;
        [[maybe_unused]] auto n = write(eof_fd, &one, sizeof(one));
      });
      reader->start();
      spdlog::info("cua-mcp-server {} ready on stdio: {}, up to {} sessions", CUA_VERSION,
                   computers_text(cfg, *backend, pool_cfg), cfg.max_sessions);
    }

    auto why = await_end(fds, watchdog);
    if (reader)
      reader->stop();
    to_client->detach_all();
    if (view_listener)
      view_listener->stop();
    if (listener)
      listener->stop(); // every client ends: its calls stop, its sessions close
    if (view)
      caf::anon_send_exit(view->hub, caf::exit_reason::user_shutdown);
    stop_actors(sys,
                running_actors{tasks, bridge, writer, supervisor, pool,
                               caf::actor_cast<caf::actor>(metrics),
                               caf::actor_cast<caf::actor>(recorder),
                               caf::actor_cast<caf::actor>(audit)},
                why == end_of_input);
    fds.close_all();
    spdlog::info("stopped");
    return 0;
  });
}

int run_host(const server_config& cfg) {
  auto fds = take_over_process_fds();
  set_up_logging(cfg.log_level);
  std::optional<shutdown_watchdog> watchdog; // before the actor system: it guards its teardown
  if (!is_loopback_name(cfg.node_listen.host) && cfg.node_secret.empty()) {
    spdlog::error("--node-listen {}: a host that listens beyond loopback needs --node-secret-file "
                  "(else anyone who reaches the port gets computers)",
                  cfg.node_listen.host);
    fds.close_all();
    return 1;
  }
  const auto* backend = find_backend(cfg.backend.backend);
  return with_actor_system(cfg, *backend, [&](caf::actor_system& sys) {
    auto pool_cfg = pool_config_of(cfg, *backend);
    auto pool = spawn_pool(sys, cfg, *backend);
    auto host = sys.spawn(host_actor, host_config{cfg.node_secret, pool_cfg.size}, pool);
    auto port = uses_node_tls(cfg) ? caf::openssl::publish(host, cfg.node_listen.port,
                                                           cfg.node_listen.host.c_str(), true)
                                   : sys.middleman().publish(host, cfg.node_listen.port,
                                                             cfg.node_listen.host.c_str(), true);
    if (!port) {
      spdlog::critical("cannot listen on {}:{} for fronts: {}", cfg.node_listen.host,
                       cfg.node_listen.port, sys.render(port.error()));
      caf::anon_send_exit(host, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
      fds.close_all();
      return 1;
    }
    spdlog::info("cua-mcp-server {} host ready on {}:{}: backend {}, {}x{}, {} computers{}{}",
                 CUA_VERSION, cfg.node_listen.host, *port, backend->name, cfg.backend.screen_width,
                 cfg.backend.screen_height, pool_cfg.size,
                 cfg.node_secret.empty() ? ", no node secret (loopback only)"
                                         : ", node secret required",
                 uses_node_tls(cfg) ? ", TLS with peer certificates" : "");
    if (!is_loopback_name(cfg.node_listen.host) && !uses_node_tls(cfg))
      spdlog::warn("listening for fronts on {} without TLS: the node protocol travels in clear",
                   cfg.node_listen.host);
    auto why = await_end(fds, watchdog);
    caf::anon_send_exit(host, caf::exit_reason::user_shutdown);
    stop_actors(sys, running_actors{caf::actor{}, caf::actor{}, caf::actor{}, supervisor_api{}, pool,
                                     caf::actor{}, caf::actor{}, caf::actor{}},
                false);
    fds.close_all();
    spdlog::info("stopped");
    return 0;
  });
}

} // namespace cua
