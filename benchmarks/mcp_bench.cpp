// cua-mcp-bench: drives an MCP server over stdio with one scenario and reports latency percentiles,
// throughput, errors by kind, and the server's peak memory and CPU time. Works with any stdio MCP
// server that has the tools a scenario calls.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "benchmarks/response_outline.hpp"
#include "benchmarks/stdio_client.hpp"

using namespace std::chrono;
using cua::bench::stdio_client;
using nlohmann::json;

namespace {

struct options {
  std::string server;
  std::string scenario = "stats";
  std::string label;
  int requests = 200;
  int in_flight = 1;
  int sessions = 1;
  int tasks_per_call = 4;
  int warmup = 0;
  bool wait_for_spare = false;
  double reap_wait_s = 0;
  std::string json_path;
  std::string server_log = "/dev/null";
  std::string action = R"({"action":"mouse_move","coordinate":[5,5]})"; // action scenario
  std::string before;      // action scenario: an untimed action before each timed one
  int stale_check_ms = 0;  // action scenario: compare with a screenshot this much later
  int pause_ms = 0;        // action scenario: untimed pause after each action
  bool as_task = false;    // task scenario: each call as an MCP task, then tasks/result
};

/// What one job (a call, or a short sequence of calls) came to.
struct job_result {
  double latency_ms = 0;
  std::string error_kind; // empty: fine
};

struct outcome {
  std::vector<job_result> jobs;
  double seconds = 0;
  json extra = json::object(); // figures of one scenario only
};

double percentile(std::vector<double> values, double p) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  auto index = static_cast<size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

std::string error_kind(const json& response) {
  if (response.contains("error"))
    return "jsonrpc " + std::to_string(response["error"].value("code", 0));
  if (response["result"].value("isError", false)) {
    // Numbers (session ids, counts) vary from call to call; errors of one kind read the same.
    auto text = response["result"]["content"][0].value("text", "");
    std::string kind = "tool: ";
    for (size_t i = 0; i < text.size() && kind.size() < 66; ++i)
      if (!std::isdigit(static_cast<unsigned char>(text[i])))
        kind += text[i];
      else if (i == 0 || !std::isdigit(static_cast<unsigned char>(text[i - 1])))
        kind += '#';
    return kind;
  }
  return {};
}

json call_params(const std::string& tool, json arguments) {
  return {{"name", tool}, {"arguments", std::move(arguments)}};
}

/// The calls of one job, made one after the other; make(step) returns the params of a tools/call,
/// or null when the job is done.
using job = std::function<json(int step)>;

/// Returns the error a response holds beyond error_kind()'s (a scenario's own check), or "".
using judge = std::function<std::string(const json& response)>;

/// Runs jobs 0..total-1 with `in_flight` of them under way at once; make_job(i) builds job i.
outcome run_jobs(stdio_client& client, int total, int in_flight, const std::function<job(int)>& make_job,
                 const judge& check = nullptr) {
  struct running {
    job steps;
    int step = 0;
    steady_clock::time_point started;
  };
  outcome out;
  std::map<long, running> under_way; // by the id of the call each job waits for
  long next_id = 1000;
  int started = 0;
  auto send_step = [&](running r) {
    auto params = r.steps(r.step);
    if (params.is_null())
      return false;
    auto id = next_id++;
    client.queue({{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", params}});
    under_way.emplace(id, std::move(r));
    return true;
  };
  auto begin = steady_clock::now();
  auto last_report = begin;
  while (static_cast<int>(out.jobs.size()) < total) {
    while (started < total && static_cast<int>(under_way.size()) < in_flight) {
      running r{make_job(started++), 0, steady_clock::now()};
      if (!send_step(std::move(r)))
        out.jobs.push_back({0, ""});
    }
    if (under_way.empty())
      continue;
    // New requests go out together once the answers already read are taken in (one write for
    // many, as a pipelining client does).
    if (!client.has_message())
      client.flush();
    auto line = client.next_line(seconds(120));
    // The answer's time is when it was read, before the harness looks into it.
    auto received = steady_clock::now();
    if (!line) {
      for (int i = static_cast<int>(out.jobs.size()); i < total; ++i)
        out.jobs.push_back({120'000, "no answer within 120 s"});
      break;
    }
    // The whole document is built only when it is looked at: a failure, or a scenario's check.
    auto outline = cua::bench::outline_of(*line);
    if (!outline.valid || outline.has_method || !outline.id)
      continue;
    auto it = under_way.find(*outline.id);
    if (it == under_way.end())
      continue;
    auto r = std::move(it->second);
    under_way.erase(it);
    std::string kind;
    if (outline.failed || check) {
      auto message = json::parse(*line);
      kind = error_kind(message);
      if (kind.empty() && check)
        kind = check(message);
    }
    ++r.step;
    auto started_at = r.started;
    if (!kind.empty() || !send_step(std::move(r)))
      out.jobs.push_back({duration<double, std::milli>(received - started_at).count(), kind});
    if (steady_clock::now() - last_report > milliseconds(500)) {
      last_report = steady_clock::now();
      std::fprintf(stderr, "\r  %zu/%d done", out.jobs.size(), total);
    }
  }
  out.seconds = duration<double>(steady_clock::now() - begin).count();
  std::fprintf(stderr, "\r%*s\r", 40, "");
  return out;
}

job one_call(json params) {
  return [params = std::move(params)](int step) { return step == 0 ? params : json(); };
}

json stats_of(stdio_client& client) {
  auto stats = client.call("tools/call", call_params("get_session_stats", json::object()));
  return stats ? (*stats)["result"].value("structuredContent", json::object()) : json::object();
}

// Session start: a new session per call (the first action on it), cleaned up after; with
// wait_for_spare, each start waits until the pool has a started spare ready (warm start).
outcome session_starts(stdio_client& client, int total, bool wait_for_spare) {
  outcome out;
  auto begin = steady_clock::now();
  for (int i = 0; i < total; ++i) {
    if (wait_for_spare)
      for (int tries = 0; tries < 2000 && stats_of(client)["pool"].value("idle", 0) < 1; ++tries)
        std::this_thread::sleep_for(milliseconds(5));
    auto id = "start-" + std::to_string(i);
    auto t0 = steady_clock::now();
    auto response = client.call("tools/call", call_params("computer", {{"action", "cursor_position"},
                                                                      {"session_id", id}}));
    job_result r{duration<double, std::milli>(steady_clock::now() - t0).count(), ""};
    r.error_kind = response ? error_kind(*response) : "no answer";
    out.jobs.push_back(r);
    client.call("tools/call", call_params("cleanup_session", {{"session_id", id}}));
  }
  out.seconds = duration<double>(steady_clock::now() - begin).count();
  return out;
}

// Action: the `computer` tool with one action, one call at a time on one session; `before` (if
// any) goes first each time, untimed. With a stale check, a screenshot taken stale_check_ms later
// must equal the one the action returned (else the answer showed the screen before the action
// was done). Figures: how many settled, and the settle times the server reported.
outcome actions(stdio_client& client, const options& opt) {
  outcome out;
  auto action = json::parse(opt.action);
  action["session_id"] = "bench-0";
  client.call("tools/call", call_params("screenshot_cua", {{"session_id", "bench-0"}}));
  std::vector<double> settle_ms;
  int settled = 0;
  int stale = 0;
  auto begin = steady_clock::now();
  for (int i = 0; i < opt.requests; ++i) {
    if (!opt.before.empty()) {
      auto first = json::parse(opt.before);
      first["session_id"] = "bench-0";
      first["screenshot"] = false;
      client.call("tools/call", call_params("computer", first));
    }
    auto t0 = steady_clock::now();
    auto response = client.call("tools/call", call_params("computer", action));
    job_result r{duration<double, std::milli>(steady_clock::now() - t0).count(), ""};
    r.error_kind = response ? error_kind(*response) : "no answer";
    out.jobs.push_back(r);
    if (!response || !r.error_kind.empty())
      continue;
    const auto& parsed = *response;
    auto structured = parsed["result"].value("structuredContent", json::object());
    settle_ms.push_back(structured.value("settle_ms", 0));
    settled += structured.value("settled", false) ? 1 : 0;
    if (opt.stale_check_ms > 0) {
      std::this_thread::sleep_for(milliseconds(opt.stale_check_ms));
      auto later = client.call("tools/call", call_params("screenshot_cua", {{"session_id", "bench-0"}}));
      if (later && (*later)["result"]["content"][0]["data"] != parsed["result"]["content"][1]["data"])
        ++stale;
    }
    std::this_thread::sleep_for(milliseconds(opt.pause_ms));
  }
  out.seconds = duration<double>(steady_clock::now() - begin).count();
  out.extra["settled"] = settled;
  out.extra["settle_ms_p50"] = percentile(settle_ms, 50);
  out.extra["settle_ms_p90"] = percentile(settle_ms, 90);
  if (opt.stale_check_ms > 0)
    out.extra["stale"] = stale;
  return out;
}

// Task: run_cua_task calls one after another (the server's model decides the steps, e.g. a
// replay script); the time per step is each call's time over its steps. With `as_task`, each call
// is an MCP task (params.task) whose result is fetched with tasks/result: the time until the task
// is created is reported too.
outcome tasks(stdio_client& client, int total, bool as_task) {
  outcome out;
  std::vector<double> per_step;
  std::vector<double> create_ms;
  auto begin = steady_clock::now();
  for (int i = 0; i < total; ++i) {
    auto t0 = steady_clock::now();
    auto params = call_params("run_cua_task", {{"task", "bench"}});
    if (as_task)
      params["task"] = {{"ttl", 600000}};
    auto response = client.call("tools/call", params);
    if (as_task && response && response->contains("result")) {
      create_ms.push_back(duration<double, std::milli>(steady_clock::now() - t0).count());
      auto id = (*response)["result"]["task"].value("taskId", "");
      response = client.call("tasks/result", {{"taskId", id}});
    }
    job_result r{duration<double, std::milli>(steady_clock::now() - t0).count(), ""};
    r.error_kind = response ? error_kind(*response) : "no answer";
    out.jobs.push_back(r);
    if (response && r.error_kind.empty()) {
      auto steps = (*response)["result"]["structuredContent"].value("steps", 0);
      if (steps > 0)
        per_step.push_back(r.latency_ms / steps);
    }
  }
  out.seconds = duration<double>(steady_clock::now() - begin).count();
  out.extra["per_step_ms_p50"] = percentile(per_step, 50);
  out.extra["per_step_ms_max"] = percentile(per_step, 100);
  if (as_task) {
    out.extra["create_ms_p50"] = percentile(create_ms, 50);
    out.extra["create_ms_p99"] = percentile(create_ms, 99);
  }
  return out;
}

// Scale: `sessions` sessions made alive (the first action on each), the server's memory before and
// after, then (with reap_wait_s) the wait until the server has reaped them all as idle.
outcome scale(stdio_client& client, const options& opt) {
  // Spares the pool keeps warm (--pool-warm) count as computers, not sessions: wait for them.
  int idle = -1;
  for (int tries = 0; tries < 300; ++tries) {
    auto pool = stats_of(client).value("pool", json::object());
    if (pool.value("starting", 0) == 0 && pool.value("idle", 0) == idle)
      break;
    idle = pool.value("idle", 0);
    std::this_thread::sleep_for(milliseconds(100));
  }
  auto rss_before = client.rss_kib();
  auto out = run_jobs(client, opt.sessions, opt.in_flight, [](int i) {
    return one_call(call_params("computer", {{"action", "cursor_position"},
                                             {"session_id", "scale-" + std::to_string(i)}}));
  });
  std::this_thread::sleep_for(milliseconds(300));
  auto alive = stats_of(client).value("total_sessions", 0);
  auto rss_after = client.rss_kib();
  out.extra["sessions_alive"] = alive;
  out.extra["warm_spares_before"] = idle;
  out.extra["rss_before_mib"] = rss_before / 1024.0;
  out.extra["rss_alive_mib"] = rss_after / 1024.0;
  out.extra["kib_per_session"] = alive > 0 ? static_cast<double>(rss_after - rss_before) / alive : 0.0;
  if (opt.reap_wait_s > 0) {
    auto t0 = steady_clock::now();
    int left = alive;
    while (left > 0 && steady_clock::now() - t0 < duration<double>(opt.reap_wait_s)) {
      std::this_thread::sleep_for(milliseconds(100));
      left = stats_of(client).value("total_sessions", -1);
    }
    out.extra["sessions_left_after_reap"] = left;
    out.extra["reap_s"] = duration<double>(steady_clock::now() - t0).count();
    out.extra["rss_after_reap_mib"] = client.rss_kib() / 1024.0;
    if (left != 0)
      out.jobs.push_back({0, "sessions not reaped within --reap-wait"});
  }
  return out;
}

json by_kind(const outcome& out) {
  std::map<std::string, std::vector<double>> latencies;
  for (const auto& j : out.jobs)
    latencies[j.error_kind.empty() ? "ok" : j.error_kind].push_back(j.latency_ms);
  auto result = json::object();
  for (auto& [kind, values] : latencies)
    result[kind] = {{"count", values.size()},
                    {"p50_ms", percentile(values, 50)},
                    {"max_ms", percentile(values, 100)}};
  return result;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"cua-mcp-bench: stress an MCP server over stdio and measure it", "cua-mcp-bench"};
  app.footer(
    "Scenarios:\n"
    "  stats          get_session_stats, --requests calls, --in-flight at once\n"
    "  screenshot     screenshot_cua spread over --sessions sessions\n"
    "  session-start  the first action on a new session, one at a time (--wait-for-spare: warm)\n"
    "  churn          --requests cycles of: first action on a new session, cleanup_session\n"
    "  multi-task     run_multi_cua_tasks with --tasks-per-call concurrent tasks a call (the\n"
    "                 server needs a model, e.g. --model replay:PATH)\n"
    "  overload       --sessions new sessions at once, past the session limit and the pool: the\n"
    "                 report gives each kind of answer with its latency\n"
    "  scale          --sessions sessions made alive, the server's memory per session, then\n"
    "                 (--reap-wait) the time until all are reaped as idle\n"
    "  action         the computer tool with --action, one at a time (--before: an untimed action\n"
    "                 first; --stale-check-ms: compare with a later screenshot); settle figures\n"
    "  task           run_cua_task, one at a time (the server's model, e.g. --model replay:PATH);\n"
    "                 time per step (--as-task: as MCP tasks, fetched with tasks/result)");
  app.add_option("--server", opt.server, "Command that starts the server (run by /bin/sh)")->required();
  app.add_option("--scenario", opt.scenario, "See below")
    ->capture_default_str()
    ->check(CLI::IsMember({"stats", "screenshot", "session-start", "churn", "multi-task", "overload",
                           "scale", "action", "task"}));
  app.add_option("--action", opt.action, "action: the computer tool's arguments (JSON)")->capture_default_str();
  app.add_option("--before", opt.before, "action: an untimed action before each (JSON)");
  app.add_option("--stale-check-ms", opt.stale_check_ms,
                 "action: compare each answer's screenshot with one taken this much later (0: no)")
    ->check(CLI::Range(0, 60000));
  app.add_option("--pause-ms", opt.pause_ms, "action: untimed pause after each action")
    ->check(CLI::Range(0, 60000));
  app.add_flag("--as-task", opt.as_task,
               "task: each call as an MCP task (params.task), its result fetched with tasks/result");
  app.add_option("--label", opt.label, "Name of this run in the report");
  app.add_option("--requests", opt.requests, "Calls (or cycles) to make")->capture_default_str()->check(CLI::Range(1, 10'000'000));
  app.add_option("--in-flight", opt.in_flight, "Calls outstanding at once")->capture_default_str()->check(CLI::Range(1, 100'000));
  app.add_option("--sessions", opt.sessions, "Sessions (screenshot, overload, scale)")->capture_default_str()->check(CLI::Range(1, 100'000));
  app.add_option("--tasks-per-call", opt.tasks_per_call, "multi-task: tasks in each call")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--warmup", opt.warmup, "stats, screenshot, churn: calls made first and not counted "
                                         "(lets a JIT-compiled server reach its steady state)")
    ->capture_default_str()
    ->check(CLI::Range(0, 10'000'000));
  app.add_flag("--wait-for-spare", opt.wait_for_spare, "session-start: wait for a started spare before each start");
  app.add_option("--reap-wait", opt.reap_wait_s, "scale: seconds to wait for the idle sessions to be reaped (0: don't)")
    ->capture_default_str()
    ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--json", opt.json_path, "Append the result as one JSON line to this file");
  app.add_option("--server-log", opt.server_log, "Where the server's stderr goes")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (opt.label.empty())
    opt.label = opt.scenario;

  auto spawned = steady_clock::now();
  stdio_client client(opt.server, opt.server_log);
  // MCP tasks came with 2025-11-25; the other scenarios keep the version their figures were made at.
  auto init = client.call("initialize", {{"protocolVersion", opt.as_task ? "2025-11-25" : "2025-06-18"},
                                         {"capabilities", json::object()},
                                         {"clientInfo", {{"name", "cua-mcp-bench"}, {"version", "1"}}}});
  if (!init || !init->contains("result")) {
    std::cerr << "the server did not answer initialize\n";
    return 1;
  }
  auto init_ms = duration<double, std::milli>(steady_clock::now() - spawned).count();
  client.send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});

  outcome out;
  auto session = [](const std::string& prefix, int i) { return prefix + std::to_string(i); };
  auto repeatable = [&](int requests, int round) {
    if (opt.scenario == "stats")
      return run_jobs(client, requests, opt.in_flight,
                      [](int) { return one_call(call_params("get_session_stats", json::object())); });
    if (opt.scenario == "screenshot")
      return run_jobs(client, requests, opt.in_flight, [&](int i) {
        return one_call(call_params("screenshot_cua", {{"session_id", session("bench-", i % opt.sessions)}}));
      });
    return run_jobs(client, requests, opt.in_flight, [&](int i) -> job {
      auto id = session("churn-" + std::to_string(round) + "-", i);
      return [id](int step) {
        if (step == 0)
          return call_params("computer", {{"action", "cursor_position"}, {"session_id", id}});
        return step == 1 ? call_params("cleanup_session", {{"session_id", id}}) : json();
      };
    });
  };
  if (opt.scenario == "stats" || opt.scenario == "screenshot" || opt.scenario == "churn") {
    // Every session exists and has its computer before timing starts.
    if (opt.scenario == "screenshot")
      for (int s = 0; s < opt.sessions; ++s)
        client.call("tools/call", call_params("screenshot_cua", {{"session_id", session("bench-", s)}}));
    if (opt.warmup > 0)
      repeatable(opt.warmup, 0);
    out = repeatable(opt.requests, 1);
    if (opt.scenario == "churn")
      out.extra["sessions_left"] = stats_of(client).value("total_sessions", -1);
  } else if (opt.scenario == "multi-task") {
    out = run_jobs(
      client, opt.requests, opt.in_flight,
      [&](int i) {
        auto tasks = json::array();
        for (int t = 0; t < opt.tasks_per_call; ++t)
          tasks.push_back("task " + std::to_string(i) + "." + std::to_string(t));
        return one_call(call_params("run_multi_cua_tasks", {{"tasks", tasks}, {"concurrent", true}}));
      },
      [](const json& response) -> std::string {
        // The call answers even when some of its tasks failed.
        auto failed = response["result"]["structuredContent"].value("failed", 0);
        return failed > 0 ? "tasks failed in a call" : "";
      });
  } else if (opt.scenario == "overload") {
    out = run_jobs(client, opt.sessions, opt.sessions, [&](int i) {
      return one_call(call_params("screenshot_cua", {{"session_id", session("overload-", i)}}));
    });
  } else if (opt.scenario == "scale") {
    out = scale(client, opt);
  } else if (opt.scenario == "action") {
    out = actions(client, opt);
  } else if (opt.scenario == "task") {
    out = tasks(client, opt.requests, opt.as_task);
  } else {
    out = session_starts(client, opt.requests, opt.wait_for_spare);
  }
  auto [rss_kib, cpu_ms] = client.usage();
  client.close();

  std::vector<double> latencies;
  std::map<std::string, int> errors;
  for (const auto& j : out.jobs) {
    latencies.push_back(j.latency_ms);
    if (!j.error_kind.empty())
      errors[j.error_kind]++;
  }
  int error_count = 0;
  for (auto& [kind, count] : errors)
    error_count += count;
  json result{{"label", opt.label},
              {"scenario", opt.scenario},
              {"requests", static_cast<int>(out.jobs.size())},
              {"in_flight", opt.scenario == "overload" ? opt.sessions : opt.in_flight},
              {"sessions", opt.sessions},
              {"initialize_ms", init_ms},
              {"p50_ms", percentile(latencies, 50)},
              {"p90_ms", percentile(latencies, 90)},
              {"p99_ms", percentile(latencies, 99)},
              {"max_ms", percentile(latencies, 100)},
              {"throughput_per_s", out.seconds > 0 ? latencies.size() / out.seconds : 0},
              {"errors", errors},
              {"by_kind", by_kind(out)},
              {"server_peak_rss_mib", rss_kib / 1024.0},
              {"server_cpu_s", cpu_ms / 1000.0}};
  result.update(out.extra);
  std::printf("%-28s n=%-6zu in_flight=%-4d p50=%8.2f ms  p90=%8.2f  p99=%8.2f  max=%8.2f  %9.1f/s  "
              "errors=%d  rss=%.1f MiB  cpu=%.2f s  init=%.1f ms\n",
              opt.label.c_str(), out.jobs.size(), result["in_flight"].get<int>(),
              result["p50_ms"].get<double>(), result["p90_ms"].get<double>(),
              result["p99_ms"].get<double>(), result["max_ms"].get<double>(),
              result["throughput_per_s"].get<double>(), error_count,
              result["server_peak_rss_mib"].get<double>(), result["server_cpu_s"].get<double>(), init_ms);
  for (auto& [kind, figures] : result["by_kind"].items())
    std::printf("    %5d x %-62s p50=%8.2f ms  max=%8.2f ms\n", figures["count"].get<int>(), kind.c_str(),
                figures["p50_ms"].get<double>(), figures["max_ms"].get<double>());
  if (!out.extra.empty())
    std::printf("    %s\n", out.extra.dump().c_str());
  if (!opt.json_path.empty())
    std::ofstream(opt.json_path, std::ios::app) << result.dump() << "\n";
  return 0;
}
