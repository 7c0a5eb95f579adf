// cua-mcp-bench: drives an MCP server over stdio with one scenario and reports latency percentiles,
// throughput, errors, and the server's peak memory and CPU time. Works with any stdio MCP server
// that has the tools a scenario calls.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

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
  bool wait_for_spare = false;
  std::string json_path;
  std::string server_log = "/dev/null";
};

struct outcome {
  std::vector<double> latencies_ms;
  std::map<std::string, int> errors;
  double seconds = 0;
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
    auto text = response["result"]["content"][0].value("text", "");
    return "tool: " + text.substr(0, 60);
  }
  return {};
}

json tool_call(long id, const std::string& name, json arguments) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"},
          {"params", {{"name", name}, {"arguments", std::move(arguments)}}}};
}

// Keeps `in_flight` calls outstanding until `total` are answered; make(i) builds call i.
template <class Make>
outcome pipelined(stdio_client& client, int total, int in_flight, Make make) {
  outcome out;
  std::map<long, steady_clock::time_point> started;
  long next = 1000;
  int sent = 0;
  int done = 0;
  auto begin = steady_clock::now();
  auto last_report = begin;
  while (done < total) {
    while (sent < total && static_cast<int>(started.size()) < in_flight) {
      auto id = next++;
      started[id] = steady_clock::now();
      client.send(make(id, sent++));
    }
    auto message = client.next(seconds(120));
    if (!message) {
      out.errors["no answer within 120 s"] += total - done;
      break;
    }
    if (!message->contains("id") || message->contains("method"))
      continue;
    auto i = started.find((*message)["id"].get<long>());
    if (i == started.end())
      continue;
    out.latencies_ms.push_back(duration<double, std::milli>(steady_clock::now() - i->second).count());
    started.erase(i);
    ++done;
    if (auto kind = error_kind(*message); !kind.empty())
      out.errors[kind]++;
    if (steady_clock::now() - last_report > milliseconds(500)) {
      last_report = steady_clock::now();
      std::fprintf(stderr, "\r  %d/%d answered", done, total);
    }
  }
  out.seconds = duration<double>(steady_clock::now() - begin).count();
  std::fprintf(stderr, "\r%*s\r", 40, "");
  return out;
}

int spare_count(stdio_client& client) {
  auto stats = client.call("tools/call", {{"name", "get_session_stats"}, {"arguments", json::object()}});
  if (!stats)
    return 0;
  return (*stats)["result"]["structuredContent"]["pool"].value("idle", 0);
}

// Session start: a new session per call (the first action on it), cleaned up after; with
// wait_for_spare, each start waits until the pool has a started spare ready (warm start).
outcome session_starts(stdio_client& client, int total, bool wait_for_spare) {
  outcome out;
  auto begin = steady_clock::now();
  for (int i = 0; i < total; ++i) {
    if (wait_for_spare)
      for (int tries = 0; tries < 2000 && spare_count(client) < 1; ++tries)
        std::this_thread::sleep_for(milliseconds(5));
    auto id = "start-" + std::to_string(i);
    auto t0 = steady_clock::now();
    auto response = client.call("tools/call", {{"name", "computer"},
                                               {"arguments", {{"action", "cursor_position"},
                                                              {"session_id", id}}}});
    out.latencies_ms.push_back(duration<double, std::milli>(steady_clock::now() - t0).count());
    if (!response)
      out.errors["no answer"]++;
    else if (auto kind = error_kind(*response); !kind.empty())
      out.errors[kind]++;
    client.call("tools/call", {{"name", "cleanup_session"}, {"arguments", {{"session_id", id}}}});
  }
  out.seconds = duration<double>(steady_clock::now() - begin).count();
  return out;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"cua-mcp-bench: stress an MCP server over stdio and measure it", "cua-mcp-bench"};
  app.add_option("--server", opt.server, "Command that starts the server (run by /bin/sh)")->required();
  app.add_option("--scenario", opt.scenario, "stats | screenshot | session-start")
    ->capture_default_str()
    ->check(CLI::IsMember({"stats", "screenshot", "session-start"}));
  app.add_option("--label", opt.label, "Name of this run in the report");
  app.add_option("--requests", opt.requests, "Calls to make")->capture_default_str()->check(CLI::Range(1, 10'000'000));
  app.add_option("--in-flight", opt.in_flight, "Calls outstanding at once")->capture_default_str()->check(CLI::Range(1, 100'000));
  app.add_option("--sessions", opt.sessions, "screenshot: sessions the calls are spread over")->capture_default_str()->check(CLI::Range(1, 100'000));
  app.add_flag("--wait-for-spare", opt.wait_for_spare, "session-start: wait for a started spare before each start");
  app.add_option("--json", opt.json_path, "Append the result as one JSON line to this file");
  app.add_option("--server-log", opt.server_log, "Where the server's stderr goes")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (opt.label.empty())
    opt.label = opt.scenario;

  auto spawned = steady_clock::now();
  stdio_client client(opt.server, opt.server_log);
  auto init = client.call("initialize", {{"protocolVersion", "2025-06-18"},
                                         {"capabilities", json::object()},
                                         {"clientInfo", {{"name", "cua-mcp-bench"}, {"version", "1"}}}});
  if (!init || !init->contains("result")) {
    std::cerr << "the server did not answer initialize\n";
    return 1;
  }
  auto init_ms = duration<double, std::milli>(steady_clock::now() - spawned).count();
  client.send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});

  outcome out;
  if (opt.scenario == "stats") {
    out = pipelined(client, opt.requests, opt.in_flight, [](long id, int) {
      return tool_call(id, "get_session_stats", json::object());
    });
  } else if (opt.scenario == "screenshot") {
    // Every session exists and has its computer before timing starts.
    for (int s = 0; s < opt.sessions; ++s)
      client.call("tools/call", {{"name", "screenshot_cua"},
                                 {"arguments", {{"session_id", "bench-" + std::to_string(s)}}}});
    out = pipelined(client, opt.requests, opt.in_flight, [&](long id, int i) {
      return tool_call(id, "screenshot_cua", {{"session_id", "bench-" + std::to_string(i % opt.sessions)}});
    });
  } else {
    out = session_starts(client, opt.requests, opt.wait_for_spare);
  }
  auto [rss_kib, cpu_ms] = client.usage();
  client.close();

  int errors = 0;
  for (auto& [kind, count] : out.errors)
    errors += count;
  json result{{"label", opt.label},
              {"scenario", opt.scenario},
              {"requests", opt.requests},
              {"in_flight", opt.in_flight},
              {"sessions", opt.sessions},
              {"initialize_ms", init_ms},
              {"p50_ms", percentile(out.latencies_ms, 50)},
              {"p90_ms", percentile(out.latencies_ms, 90)},
              {"p99_ms", percentile(out.latencies_ms, 99)},
              {"max_ms", percentile(out.latencies_ms, 100)},
              {"throughput_per_s", out.seconds > 0 ? out.latencies_ms.size() / out.seconds : 0},
              {"errors", out.errors},
              {"server_peak_rss_mib", rss_kib / 1024.0},
              {"server_cpu_s", cpu_ms / 1000.0}};
  std::printf("%-28s n=%-6d in_flight=%-4d p50=%8.2f ms  p90=%8.2f  p99=%8.2f  max=%8.2f  %9.1f/s  "
              "errors=%d  rss=%.1f MiB  cpu=%.2f s  init=%.1f ms\n",
              opt.label.c_str(), opt.requests, opt.in_flight, result["p50_ms"].get<double>(),
              result["p90_ms"].get<double>(), result["p99_ms"].get<double>(),
              result["max_ms"].get<double>(), result["throughput_per_s"].get<double>(), errors,
              result["server_peak_rss_mib"].get<double>(), result["server_cpu_s"].get<double>(),
              init_ms);
  for (auto& [kind, count] : out.errors)
    std::printf("    %d x %s\n", count, kind.c_str());
  if (!opt.json_path.empty())
    std::ofstream(opt.json_path, std::ios::app) << result.dump() << "\n";
  return 0;
}
