#include "actors/metrics_actor.hpp"

#include <nlohmann/json.hpp>

#include "mcp/bridge_actor.hpp"
#include "messages/atoms.hpp"
#include "messages/outbound_line.hpp"
#include "tests/actors/deterministic.hpp"
#include "tests/actors/replay_file.hpp"
#include "tests/actors/served_tools.hpp"
#include "tests/support/prometheus_checks.hpp"

using namespace cua;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

class metrics_actor_test : public test::deterministic {
protected:
  void SetUp() override {
    supervisor_ = sim_supervisor(script_.model(), 2);
    metrics_ = own(sys().spawn(metrics_actor, supervisor_, caf::timespan{5s}));
  }

  /// Scrapes the metrics (with `load` as the HTTP figures); checks the text is well formed.
  std::string scrape(http_load load = {}) {
    auto text = ask<std::string>(metrics_, metrics_atom::value, load);
    run();
    EXPECT_TRUE(text->value.has_value()) << caf::to_string(text->error);
    auto out = text->value.value_or("");
    std::vector<std::string> problems;
    test::read_prometheus(out, problems);
    EXPECT_TRUE(problems.empty()) << out << ::testing::PrintToString(problems);
    return out;
  }

  /// Starts a bridge (the stdio one: the counting is the same) that reports to the metrics.
  caf::actor start_bridge() {
    auto writer = own(test::spawn_line_recorder(sys(), lines_));
    tool_services services;
    services.supervisor = supervisor_;
    services.default_session_id = "default";
    services.metrics = metrics_;
    auto bridge = own(sys().spawn(bridge_actor, writer, services, test::served_tools()));
    caf::anon_send(bridge, line_atom::value,
                   json{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"},
                        {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()},
                                    {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}
                     .dump());
    run();
    return bridge;
  }

  void call(const caf::actor& bridge, int id, const std::string& tool, json arguments) {
    caf::anon_send(bridge, line_atom::value,
                   json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"},
                        {"params", {{"name", tool}, {"arguments", arguments}}}}
                     .dump());
    run();
  }

  static double value(const std::string& text, const std::string& name,
                      const std::string& labels = {}) {
    return test::prometheus_value(text, name, labels).value_or(-1);
  }

  test::replay_file script_{test::minute_long_script};
  supervisor_api supervisor_;
  metrics_api metrics_;
  std::shared_ptr<std::vector<std::string>> lines_ = std::make_shared<std::vector<std::string>>();
};

} // namespace

TEST_F(metrics_actor_test, counts_calls_by_tool_and_outcome_with_a_histogram_of_their_durations) {
  caf::anon_send(metrics_, call_ended_atom::value, std::string{"computer"}, int64_t{3'000},
                 call_outcome::ok);
  caf::anon_send(metrics_, call_ended_atom::value, std::string{"computer"}, int64_t{200'000},
                 call_outcome::ok);
  caf::anon_send(metrics_, call_ended_atom::value, std::string{"computer"}, int64_t{40'000'000},
                 call_outcome::error);
  caf::anon_send(metrics_, call_ended_atom::value, std::string{"run_cua_task"},
                 int64_t{90'000'000}, call_outcome::cancelled);
  run();
  auto text = scrape();
  EXPECT_EQ(value(text, "cua_tool_calls_total", R"(tool="computer",outcome="ok")"), 2);
  EXPECT_EQ(value(text, "cua_tool_calls_total", R"(tool="computer",outcome="error")"), 1);
  EXPECT_EQ(value(text, "cua_tool_calls_total", R"(tool="computer",outcome="cancelled")"), 0);
  EXPECT_EQ(value(text, "cua_tool_calls_total", R"(tool="run_cua_task",outcome="cancelled")"), 1);
  EXPECT_EQ(value(text, "cua_tool_call_duration_seconds_bucket", R"(tool="computer",le="0.005")"), 1);
  EXPECT_EQ(value(text, "cua_tool_call_duration_seconds_bucket", R"(tool="computer",le="0.25")"), 2);
  EXPECT_EQ(value(text, "cua_tool_call_duration_seconds_bucket", R"(tool="computer",le="30")"), 2);
  EXPECT_EQ(value(text, "cua_tool_call_duration_seconds_bucket", R"(tool="computer",le="60")"), 3);
  EXPECT_EQ(value(text, "cua_tool_call_duration_seconds_count", R"(tool="computer")"), 3);
  EXPECT_DOUBLE_EQ(value(text, "cua_tool_call_duration_seconds_sum", R"(tool="computer")"), 40.203);
  EXPECT_EQ(value(text, "cua_tool_call_duration_seconds_count", R"(tool="get_session_stats")"), -1)
    << "a tool never called has no series";
}

TEST_F(metrics_actor_test, shows_the_sessions_the_pool_and_the_http_figures) {
  auto text = scrape();
  EXPECT_EQ(value(text, "cua_sessions"), 0);
  EXPECT_EQ(value(text, "cua_pool_size"), 2);
  EXPECT_EQ(value(text, "cua_pool_in_use"), 0);
  EXPECT_EQ(value(text, "cua_host_up", R"(host="h:1")"), -1) << "no hosts: no host series";
  auto opened = ask<session_handle>(supervisor_, open_atom::value, std::string{"c"},
                                    std::string{"s1"});
  run();
  ASSERT_TRUE(opened->value);
  run();
  http_load load;
  load.clients = 3;
  load.max_clients = 32;
  load.connections = 4;
  load.max_connections = 256;
  load.responses = {{200, 10}, {401, 2}};
  text = scrape(load);
  EXPECT_EQ(value(text, "cua_sessions"), 1);
  EXPECT_EQ(value(text, "cua_sessions_created_total"), 1);
  EXPECT_EQ(value(text, "cua_pool_in_use"), 1);
  EXPECT_EQ(value(text, "cua_pool_computers_created_total"), 1);
  EXPECT_EQ(value(text, "cua_http_clients"), 3);
  EXPECT_EQ(value(text, "cua_http_connections_max"), 256);
  EXPECT_EQ(value(text, "cua_http_responses_total", R"(code="401")"), 2);
  EXPECT_GT(value(text, "process_start_time_seconds"), 1.7e9);
  EXPECT_GT(value(text, "process_resident_memory_bytes"), 1e6);
}

TEST_F(metrics_actor_test, computer_hosts_have_their_own_series) {
  stats_report report;
  report.pool.hosts = {{"10.0.0.1:4242", "joined", 8, 3, 2, 1, 1.5, ""},
                       {"10.0.0.2:4242", "down", 8, 0, 0, 0, -1, "connection refused"}};
  auto text = metrics_text({}, report, {}, std::chrono::system_clock::now(), -1);
  std::vector<std::string> problems;
  test::read_prometheus(text, problems);
  EXPECT_TRUE(problems.empty()) << text << ::testing::PrintToString(problems);
  EXPECT_EQ(value(text, "cua_host_up", R"(host="10.0.0.1:4242")"), 1);
  EXPECT_EQ(value(text, "cua_host_up", R"(host="10.0.0.2:4242")"), 0);
  EXPECT_EQ(value(text, "cua_host_state", R"(host="10.0.0.2:4242",state="down")"), 1);
  EXPECT_EQ(value(text, "cua_host_state", R"(host="10.0.0.2:4242",state="joined")"), 0);
  EXPECT_EQ(value(text, "cua_host_in_use", R"(host="10.0.0.1:4242")"), 3);
  EXPECT_EQ(value(text, "cua_host_capacity", R"(host="10.0.0.2:4242")"), 8);
  EXPECT_DOUBLE_EQ(value(text, "cua_host_round_trip_seconds", R"(host="10.0.0.1:4242")"), 0.0015);
  EXPECT_EQ(value(text, "cua_host_round_trip_seconds", R"(host="10.0.0.2:4242")"), -1)
    << "no round trip measured: no series";
  EXPECT_EQ(value(text, "process_resident_memory_bytes"), -1);
}

TEST_F(metrics_actor_test, a_scrape_fails_rather_than_hangs_when_the_supervisor_is_gone) {
  caf::anon_send_exit(supervisor_, caf::exit_reason::kill);
  run();
  auto text = ask<std::string>(metrics_, metrics_atom::value, http_load{});
  run();
  advance(6s);
  EXPECT_TRUE(text->done);
  EXPECT_FALSE(text->value);
  EXPECT_TRUE(text->error);
}

TEST_F(metrics_actor_test, the_bridge_reports_each_call_with_how_it_ended) {
  auto bridge = start_bridge();
  call(bridge, 1, "get_session_stats", json::object());
  call(bridge, 2, "cleanup_session", {{"session_id", "nobody"}});
  call(bridge, 3, "run_cua_task", {{"task", "wait"}}); // waits a minute of virtual time
  advance(2s);
  caf::anon_send(bridge, line_atom::value,
                 std::string{R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}})"});
  run();
  call(bridge, 4, "run_cua_task", {{"task", 3}}); // bad arguments: a tool error
  auto text = scrape();
  EXPECT_EQ(value(text, "cua_tool_calls_total", R"(tool="get_session_stats",outcome="ok")"), 1);
  EXPECT_EQ(value(text, "cua_tool_calls_total", R"(tool="run_cua_task",outcome="cancelled")"), 1);
  EXPECT_EQ(value(text, "cua_tool_calls_total", R"(tool="run_cua_task",outcome="error")"), 1);
  EXPECT_EQ(value(text, "cua_tool_calls_total", R"(tool="cleanup_session",outcome="ok")")
              + value(text, "cua_tool_calls_total", R"(tool="cleanup_session",outcome="error")"),
            1);
  // The cancelled task ran for the two seconds of virtual time before it was cancelled.
  EXPECT_EQ(value(text, "cua_tool_call_duration_seconds_bucket",
                  R"(tool="run_cua_task",le="1")"), 1);
  EXPECT_EQ(value(text, "cua_tool_call_duration_seconds_bucket",
                  R"(tool="run_cua_task",le="2.5")"), 2);
}
