#include "actors/metrics_actor.hpp"

#include <unistd.h>

#include "messages/errors.hpp"
#include "util/proc_status.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using metrics_ptr = metrics_api::stateful_pointer<metrics_state>;

// The supervisor's report for a client name no real client has: no session list, only totals.
const std::string no_client = "(metrics)";

void write_sessions(prometheus_text& out, const stats_report& r) {
  out.gauge("cua_sessions", "Sessions open now, of every client", r.server_sessions);
  out.gauge("cua_sessions_max", "The most sessions open at once (--max-sessions)", r.max_sessions);
  out.counter("cua_sessions_created_total", "Sessions created", r.sessions_created);
  out.counter("cua_sessions_reaped_total", "Sessions closed for being idle too long",
              r.sessions_reaped);
  out.counter("cua_sessions_refused_total", "Sessions refused at the session limit",
              r.sessions_refused);
  out.counter("cua_sessions_evicted_total", "Idle sessions closed to make room for new ones",
              r.sessions_evicted);
}

void write_pool(prometheus_text& out, const pool_stats& p) {
  out.gauge("cua_pool_size", "The most computers the pool holds (--pool-size)", p.size);
  out.gauge("cua_pool_warm", "Spare computers kept started ahead of demand", p.warm);
  out.gauge("cua_pool_in_use", "Computers lent to sessions", p.in_use);
  out.gauge("cua_pool_idle", "Computers started and waiting to be lent", p.idle);
  out.gauge("cua_pool_starting", "Computers being started or reset", p.starting);
  out.gauge("cua_pool_waiting", "Sessions waiting for a computer", p.waiting);
  out.gauge("cua_pool_unavailable", "Fixed computers out of service after a failure",
            p.unavailable);
  out.counter("cua_pool_computers_created_total", "Computers started", p.created);
  out.counter("cua_pool_computers_destroyed_total", "Computers stopped", p.destroyed);
  out.counter("cua_pool_computers_failed_total", "Computers that failed", p.failed);
  out.counter("cua_pool_acquire_timeouts_total",
              "Waits for a computer that hit the acquire timeout", p.timed_out);
}

void write_hosts(prometheus_text& out, const std::vector<host_figures>& hosts) {
  for (const auto& h : hosts) {
    metric_labels host{{"host", h.address}};
    out.gauge("cua_host_up", "Whether the computer host has joined (1) or not (0)",
              h.state == "joined" ? 1 : 0, host);
    for (const char* state : {"joined", "connecting", "down"}) {
      auto labels = host;
      labels.emplace_back("state", state);
      out.gauge("cua_host_state", "The computer host's state (1 for the one it is in)",
                h.state == state ? 1 : 0, labels);
    }
    out.gauge("cua_host_capacity", "Computers the host holds (its --pool-size)", h.capacity, host);
    out.gauge("cua_host_in_use", "Computers this front borrows from the host", h.in_use, host);
    out.gauge("cua_host_warm", "The host's started spare computers", h.warm, host);
    out.counter("cua_host_computers_failed_total", "The host's computers that failed", h.failed,
                host);
    if (h.round_trip_ms >= 0)
      out.gauge("cua_host_round_trip_seconds", "The round trip of the host's last stats answer",
                h.round_trip_ms / 1000.0, host);
  }
}

void write_calls(prometheus_text& out, const std::map<std::string, tool_call_figures>& tools) {
  for (const auto& [tool, figures] : tools) {
    for (auto outcome : {call_outcome::ok, call_outcome::error, call_outcome::cancelled}) {
      auto i = figures.ended.find(outcome);
      out.counter("cua_tool_calls_total", "Tool calls ended, by tool and outcome",
                  i == figures.ended.end() ? 0 : i->second,
                  {{"tool", tool}, {"outcome", to_string(outcome)}});
    }
    out.histogram("cua_tool_call_duration_seconds",
                  "How long tool calls took, from request to answer", figures.duration,
                  {{"tool", tool}});
  }
}

void write_http(prometheus_text& out, const http_load& load) {
  out.gauge("cua_http_clients", "MCP sessions (Mcp-Session-Id) over HTTP now", load.clients);
  out.gauge("cua_http_clients_max", "The most HTTP clients at once (--max-clients)",
            load.max_clients);
  out.gauge("cua_http_connections", "Open TCP connections", load.connections);
  out.gauge("cua_http_connections_max", "The most TCP connections at once (--max-connections)",
            load.max_connections);
  for (const auto& [status, count] : load.responses)
    out.counter("cua_http_responses_total", "HTTP responses sent, by status", count,
                {{"code", std::to_string(status)}});
}

// Gathers the supervisor's figures and hands the text to `done`, or an error to `failed`.
template <class Done, class Failed>
void scrape(metrics_ptr self, http_load load, Done done, Failed failed) {
  auto& st = self->state;
  self->request(st.supervisor, st.query_timeout, stats_atom::value, no_client)
    .then(
      [=](const stats_report& report) mutable {
        auto& st = self->state;
        auto rss = proc_status_field(getpid(), "VmRSS");
        done(metrics_text(st.tools, report, load, st.started, rss < 0 ? -1 : rss * 1024));
      },
      [=](caf::error& err) mutable { failed(err); });
}

} // namespace

std::string metrics_text(const std::map<std::string, tool_call_figures>& tools,
                         const stats_report& report, const http_load& load,
                         std::chrono::system_clock::time_point started, long resident_bytes) {
  prometheus_text out;
  out.gauge("cua_build_info", "The server's version", 1, {{"version", CUA_VERSION}});
  out.gauge("process_start_time_seconds", "When the server started, in seconds since the epoch",
            std::chrono::duration<double>(started.time_since_epoch()).count());
  if (resident_bytes >= 0)
    out.gauge("process_resident_memory_bytes", "The server's resident memory",
              static_cast<double>(resident_bytes));
  write_sessions(out, report);
  write_pool(out, report.pool);
  write_hosts(out, report.pool.hosts);
  write_calls(out, tools);
  write_http(out, load);
  return out.str();
}

metrics_api::behavior_type metrics_actor(metrics_ptr self, supervisor_api supervisor,
                                         caf::timespan query_timeout) {
  log_unexpected_messages(self);
  auto& st = self->state;
  st.supervisor = std::move(supervisor);
  st.query_timeout = query_timeout;
  st.started = std::chrono::system_clock::now();
  return {
    [=](call_ended_atom, const std::string& tool, int64_t micros, call_outcome outcome) {
      auto& figures = self->state.tools[tool];
      ++figures.ended[outcome];
      figures.duration.observe(static_cast<double>(micros) / 1e6);
    },
    [=](metrics_atom, http_load& load) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      scrape(
        self, std::move(load), [=](std::string text) mutable { rp.deliver(std::move(text)); },
        [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](metrics_atom, const exchange_ptr& exchange, http_load& load) {
      scrape(
        self, std::move(load),
        [=](std::string text) { exchange->respond(200, prometheus_text::content_type(), text); },
        [=](caf::error& err) {
          exchange->respond(503, "text/plain; charset=utf-8",
                            "the server's figures could not be gathered: " + describe(err) + "\n",
                            {{"Retry-After", "5"}});
        });
    },
  };
}

} // namespace cua
