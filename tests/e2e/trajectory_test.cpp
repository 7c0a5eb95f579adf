// Recorded tasks (--trajectory-dir) through the built server: what a finished, a cancelled and a
// killed task leave on disk, and replaying a recording (--model replay:DIR).

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"
#include "tests/support/json_lines.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cua::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* script_text = R"({"text":"clicking","actions":[{"action":"left_click","coordinate":[100,120]},{"action":"type","text":"hello"}]}
{"text":"looking","actions":[{"action":"screenshot"}]}
{"text":"all done"}
)";

std::vector<fs::path> task_folders(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec))
    if (entry.is_directory())
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<json> steps_of(const fs::path& folder) {
  return json_lines_of(folder / "steps.jsonl");
}

json run_task(const std::string& model, const fs::path& dir, const std::string& task,
              std::vector<std::string> env = {}) {
  server_process server({"--backend", "sim", "--settle-ms", "0", "--model", model,
                         "--trajectory-dir", dir.string()},
                        std::move(env));
  server.initialize();
  auto result = server.call_tool("run_cua_task", {{"task", task}}, 30s);
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(10s), 0);
  return result;
}

// The status in a task's task.json ("" while it is not there whole).
std::string status_of(const fs::path& folder) {
  auto record = json::parse(read_whole_file(folder / "task.json"), nullptr, false);
  return record.is_object() ? record.value("status", "") : "";
}

bool is_png(const fs::path& file) {
  return read_whole_file(file).rfind("\x89PNG\r\n\x1a\n", 0) == 0;
}

} // namespace

TEST(trajectories, a_finished_task_is_recorded_whole_and_replays_to_the_same_actions) {
  temp_dir dir{"cua-e2e-trajectories"};
  auto script = write_replay_script(script_text);
  auto result = run_task("replay:" + script, dir.path, "say hello",
                         {"ANTHROPIC_API_KEY=sk-ant-recording-secret-4711"});
  ASSERT_FALSE(result.value("isError", false)) << result.dump().substr(0, 300);
  auto folders = task_folders(dir.path);
  ASSERT_EQ(folders.size(), 1u);
  auto record = json::parse(read_whole_file(folders[0] / "task.json"));
  EXPECT_EQ(record["task"], "say hello");
  EXPECT_EQ(record["status"], "completed");
  EXPECT_EQ(record["answer"], "all done");
  EXPECT_EQ(record["steps"], 3);
  EXPECT_EQ(record["actions"], 3);
  EXPECT_FALSE(record.value("started_at", "").empty());
  EXPECT_FALSE(record.value("ended_at", "").empty());
  auto steps = steps_of(folders[0]);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0]["text"], "clicking");
  EXPECT_EQ(steps[0]["actions"][0], json({{"action", "left_click"}, {"coordinate", {100, 120}}}));
  EXPECT_EQ(steps[0]["results"].size(), 2u);
  EXPECT_EQ(steps[0]["results"][0]["settled"], true);
  EXPECT_EQ(steps[2]["actions"], json::array());
  int screenshots = 0;
  for (const auto& step : steps)
    for (const auto& name : step["screenshots"]) {
      EXPECT_TRUE(is_png(folders[0] / name.get<std::string>())) << name;
      ++screenshots;
    }
  EXPECT_EQ(screenshots, 3); // one after each action
  for (const auto& file : fs::recursive_directory_iterator(dir.path))
    EXPECT_EQ(read_whole_file(file.path()).find("recording-secret-4711"), std::string::npos) << file.path();

  // The recording as the model: the same actions again, recorded again.
  temp_dir again{"cua-e2e-trajectories"};
  auto replayed = run_task("replay:" + folders[0].string(), again.path, "say hello again");
  ASSERT_FALSE(replayed.value("isError", false)) << replayed.dump().substr(0, 300);
  auto second = task_folders(again.path);
  ASSERT_EQ(second.size(), 1u);
  auto replayed_steps = steps_of(second[0]);
  ASSERT_EQ(replayed_steps.size(), steps.size());
  for (size_t i = 0; i < steps.size(); ++i)
    EXPECT_EQ(replayed_steps[i]["actions"], steps[i]["actions"]) << "step " << i + 1;
}

TEST(trajectories, a_killed_server_leaves_a_readable_prefix_and_a_cancelled_task_says_so) {
  auto script = write_replay_script(R"({"text":"first","actions":[{"action":"left_click","coordinate":[5,5]}]}
{"text":"waiting","actions":[{"action":"wait","duration":30}]}
{"text":"never"}
)");
  for (bool kill_it : {true, false}) {
    temp_dir dir{"cua-e2e-trajectories"};
    server_process server({"--backend", "sim", "--settle-ms", "0", "--model", "replay:" + script,
                           "--trajectory-dir", dir.path.string()});
    server.initialize();
    auto id = server.start_request("tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "wait"}}}});
    // The first step is written as soon as it ends; the second waits 30 s.
    fs::path folder;
    for (int i = 0; i < 200; ++i) {
      for (const auto& f : task_folders(dir.path))
        if (status_of(f) == "running" && !steps_of(f).empty())
          folder = f;
      if (!folder.empty())
        break;
      std::this_thread::sleep_for(25ms);
    }
    ASSERT_FALSE(folder.empty()) << "no step was recorded";
    if (kill_it) {
      ::kill(server.pid(), SIGKILL);
      server.wait_exit(5s);
      auto steps = steps_of(folder);
      ASSERT_EQ(steps.size(), 1u);
      EXPECT_EQ(steps[0]["text"], "first");
      EXPECT_TRUE(is_png(folder / steps[0]["screenshots"][0].get<std::string>()));
      EXPECT_EQ(json::parse(read_whole_file(folder / "task.json"))["status"], "running");
      continue;
    }
    server.send({{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", id}}}});
    for (int i = 0; i < 200 && status_of(folder) != "cancelled"; ++i)
      std::this_thread::sleep_for(25ms);
    EXPECT_EQ(status_of(folder), "cancelled") << read_whole_file(folder / "task.json");
  }
}

TEST(trajectories, a_directory_that_cannot_be_written_is_refused_at_start) {
  server_process server({"--backend", "sim", "--trajectory-dir", "/proc/cua-no-such-place"});
  auto code = server.wait_exit(10s);
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
  EXPECT_NE(server.stderr_text().find("--trajectory-dir"), std::string::npos) << server.stderr_text();
}

TEST(trajectories, a_failed_task_is_recorded_with_its_error_and_the_steps_it_took) {
  temp_dir dir{"cua-e2e-trajectories"};
  // No final turn: the model "fails" after its one step.
  auto script = write_replay_script(R"({"text":"only","actions":[{"action":"left_click","coordinate":[1,1]}]}
)");
  auto result = run_task("replay:" + script, dir.path, "fail");
  EXPECT_TRUE(result.value("isError", false)) << result.dump().substr(0, 300);
  auto folders = task_folders(dir.path);
  ASSERT_EQ(folders.size(), 1u);
  auto record = json::parse(read_whole_file(folders[0] / "task.json"));
  EXPECT_EQ(record["status"], "failed");
  EXPECT_NE(record.value("error", "").find("replay script ended"), std::string::npos) << record.dump();
  EXPECT_EQ(steps_of(folders[0]).size(), 1u);
}
