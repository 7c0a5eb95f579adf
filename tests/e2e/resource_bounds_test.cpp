// Resources come back: what a thousand sessions leave behind is nothing.

#include <dirent.h>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"
#include "util/proc_status.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

// Sanitizers keep memory on purpose (ASan's quarantine of freed blocks, TSan's shadow state).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool sanitized = true;
#  else
constexpr bool sanitized = false;
#  endif
#else
constexpr bool sanitized = false;
#endif

int open_fds(pid_t pid) {
  int n = 0;
  auto* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  while (auto* e = readdir(dir))
    n += e->d_name[0] != '.';
  closedir(dir);
  return n;
}

void cycles(server_process& server, int from, int to) {
  for (int i = from; i < to; ++i) {
    auto id = "cycle-" + std::to_string(i);
    auto where = server.call_tool("computer", {{"action", "cursor_position"}, {"session_id", id}});
    ASSERT_FALSE(where.contains("isError")) << where.dump();
    auto done = server.call_tool("cleanup_session", {{"session_id", id}});
    ASSERT_FALSE(done.contains("isError")) << done.dump();
  }
}

} // namespace

TEST(resource_bounds, a_thousand_session_cycles_leave_fds_threads_and_memory_where_they_were) {
  server_process server({"--backend", "sim", "--log-level", "warn"});
  server.initialize();
  cycles(server, 0, 20); // warm up: pools, caches, allocator arenas
  auto pid = server.pid();
  auto fds = open_fds(pid);
  auto threads = cua::proc_status_field(pid, "Threads");
  cycles(server, 20, 520);
  auto rss_half = cua::proc_status_field(pid, "VmRSS");
  cycles(server, 520, 1020);
  auto rss_end = cua::proc_status_field(pid, "VmRSS");
  EXPECT_EQ(open_fds(pid), fds);
  EXPECT_EQ(cua::proc_status_field(pid, "Threads"), threads);
  EXPECT_TRUE(server.children().empty());
  // The second 500 cycles may not grow memory by more than noise (kB). Under a sanitizer, leaks
  // are LeakSanitizer's to find.
  if (!sanitized) {
    EXPECT_LT(rss_end - rss_half, 1024) << "RSS grew from " << rss_half << " to " << rss_end << " kB";
  }
  auto stats = server.call_tool("get_session_stats")["structuredContent"];
  EXPECT_EQ(stats["total_sessions"], 0);
  EXPECT_EQ(stats["totals"]["sessions_created"], 1020);
  EXPECT_EQ(stats["pool"]["in_use"], 0);
}

TEST(resource_bounds, limits_are_refused_clearly_past_their_bound) {
  server_process server({"--backend", "sim"});
  server.initialize();
  std::vector<std::string> many(21, "t");
  auto too_many = server.call_tool("run_multi_cua_tasks", {{"tasks", many}});
  EXPECT_EQ(too_many["isError"], true);
  EXPECT_NE(too_many["content"][0]["text"].get<std::string>().find("at most 20"), std::string::npos);
  auto long_text = server.call_tool("computer", {{"action", "type"}, {"text", std::string(10'001, 'a')}});
  EXPECT_EQ(long_text["isError"], true);
  EXPECT_NE(long_text["content"][0]["text"].get<std::string>().find("longer than 10000"), std::string::npos);
}

TEST(resource_bounds, calls_past_the_in_flight_limit_are_refused_and_the_rest_answered) {
  auto script = write_replay_script(R"({"actions":[{"action":"wait","duration":1}]}
{"text":"waited"})");
  server_process server({"--backend", "sim", "--model", "replay:" + script, "--settle-ms", "0",
                         "--max-in-flight", "3"});
  server.initialize();
  std::vector<json> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(server.start_request("tools/call", {{"name", "run_cua_task"},
                                                      {"arguments", {{"task", "x"}, {"session_id", "s" + std::to_string(i)}}}}));
  auto refused = server.call_tool("get_session_stats");
  EXPECT_EQ(refused["isError"], true);
  EXPECT_NE(refused["content"][0]["text"].get<std::string>().find("too many tool calls in flight (at most 3)"),
            std::string::npos) << refused.dump();
  EXPECT_EQ(server.request("ping")["result"], json::object()); // not a tool call: still answered
  for (const auto& id : ids)
    EXPECT_EQ(server.wait_response(id, 10s)["result"]["content"][0]["text"], "waited");
  EXPECT_FALSE(server.call_tool("get_session_stats").contains("isError")); // room again
}
