// --config files, --print-config, --version and the man page, through the built binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "tests/e2e/server_process.hpp"

using namespace cua::test;

namespace {

// A file under the test's temporary directory, removed when it goes.
class temp_file {
public:
  explicit temp_file(const std::string& text) {
    path_ = std::filesystem::temp_directory_path()
            / ("cua-config-" + std::to_string(getpid()) + "-" + std::to_string(next_++) + ".toml");
    std::ofstream(path_) << text;
  }
  ~temp_file() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

private:
  static inline int next_ = 0;
  std::filesystem::path path_;
};

struct run_result {
  int code = -1;
  std::string out;
  std::string err;
};

run_result run(std::vector<std::string> args, std::vector<std::string> env = {}) {
  server_process server(std::move(args), std::move(env));
  run_result result;
  result.out = server.raw_output(10s);
  result.code = server.wait_exit(10s).value_or(-1);
  result.err = server.stderr_text();
  return result;
}

// The settings lines of --print-config, comments aside.
std::string settings_of(const std::string& printed) {
  std::istringstream lines(printed);
  std::string line;
  std::string out;
  while (std::getline(lines, line))
    if (!line.empty() && line[0] != '#')
      out += line + "\n";
  return out;
}

// The long flags a text names, e.g. "--max-sessions".
std::set<std::string> flags_in(const std::string& text) {
  static const std::regex flag{R"(--[a-z][a-z0-9-]+)"};
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), flag); it != std::sregex_iterator(); ++it)
    out.insert(it->str());
  return out;
}

} // namespace

TEST(config_file, print_config_reads_back_to_the_same_settings) {
  auto first = run({"--max-sessions", "3", "--screen", "800x600", "--tools", "computer,screenshot_cua",
                    "--read-only", "--no-view", "--model-timeout", "2.5", "--transport", "http",
                    "--listen", "127.0.0.1:9999", "--print-config"});
  ASSERT_EQ(first.code, 0) << first.err;
  auto settings = settings_of(first.out);
  EXPECT_NE(settings.find("max-sessions = 3\n"), std::string::npos) << settings;
  EXPECT_NE(settings.find("screen = \"800x600\"\n"), std::string::npos) << settings;
  EXPECT_NE(settings.find("tools = [\"computer\", \"screenshot_cua\"]\n"), std::string::npos) << settings;
  EXPECT_NE(settings.find("read-only = true\n"), std::string::npos) << settings;
  EXPECT_NE(settings.find("no-view = true\n"), std::string::npos) << settings;
  EXPECT_NE(settings.find("model-timeout = 2.5\n"), std::string::npos) << settings;
  EXPECT_NE(settings.find("transport = \"http\"\n"), std::string::npos) << settings;
  EXPECT_NE(settings.find("idle-timeout = 600\n"), std::string::npos) << "defaults are printed too";
  EXPECT_EQ(settings.find("print-config"), std::string::npos) << "a command is not a setting";

  temp_file file(first.out);
  auto second = run({"--config", file.path(), "--print-config"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(second.out, first.out);

  // Empty strings ("empty: none") too.
  auto empty = run({"--window-manager", "", "--desktop-startup", "", "--print-config"});
  ASSERT_EQ(empty.code, 0) << empty.err;
  EXPECT_NE(settings_of(empty.out).find("window-manager = \"\"\n"), std::string::npos) << empty.out;
  temp_file empty_file(empty.out);
  auto empty_again = run({"--config", empty_file.path(), "--print-config"});
  ASSERT_EQ(empty_again.code, 0) << empty_again.err;
  EXPECT_EQ(empty_again.out, empty.out);
}

TEST(config_file, flags_then_env_vars_win_over_the_file) {
  temp_file file("max-sessions = 2\nmax-images = 4\nmax-steps = 7\n");
  auto printed = run({"--config", file.path(), "--max-sessions", "5", "--print-config"},
                     {"CUA_MAX_IMAGES=6"});
  ASSERT_EQ(printed.code, 0) << printed.err;
  auto settings = settings_of(printed.out);
  EXPECT_NE(settings.find("max-sessions = 5\n"), std::string::npos) << settings;
  EXPECT_NE(settings.find("max-images = 6\n"), std::string::npos) << settings;
  EXPECT_NE(settings.find("max-steps = 7\n"), std::string::npos) << settings;
}

TEST(config_file, an_unknown_key_is_refused_with_its_line) {
  temp_file file("# a comment\nmax-sessions = 2\n\nmax-sesions = 3\n");
  auto result = run({"--config", file.path()});
  EXPECT_NE(result.code, 0);
  EXPECT_NE(result.err.find(file.path() + " line 4: unknown key \"max-sesions\""), std::string::npos)
    << result.err;
  EXPECT_NE(result.err.find("did you mean \"max-sessions\"?"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty()) << "stdout is for MCP only: " << result.out;
}

TEST(config_file, a_bad_value_is_refused_with_its_line) {
  struct bad {
    std::string text;
    std::string line;
    std::string says;
  };
  for (const auto& [text, line, says] : std::vector<bad>{
         {"max-sessions = 2\nscreen = \"huge\"\n", "line 2: screen", "WIDTHxHEIGHT"},
         {"idle-timeout = 5\nmax-sessions = 0\n", "line 2: max-sessions", "0"},
         {"backend = \"vmware\"\n", "line 1: backend", "vmware"},
         {"max-sessions = [1, 2]\n", "line 1: max-sessions", ""},
         {"read-only = \"maybe\"\n", "line 1: read-only", "maybe"},
         {"desktop-memory = \"lots\"\n", "line 1: desktop-memory", "lots"},
         {"[server]\nmax-sessions = 2\n", "line 1: server", "sections are not used"},
         {"max-sessions = \n", "line 1:", "TOML"},
         {"help = true\n", "line 1: unknown key \"help\"", ""},
         {"tools = [\"computer\", \"rm_rf\"]\n", "line 1: tools", "rm_rf"},
       }) {
    temp_file file(text);
    auto result = run({"--config", file.path()});
    EXPECT_NE(result.code, 0) << text;
    EXPECT_NE(result.err.find(file.path() + " " + line), std::string::npos) << text << "\n" << result.err;
    EXPECT_NE(result.err.find(says), std::string::npos) << text << "\n" << result.err;
  }
  auto missing = run({"--config", "/nonexistent/cua.toml"});
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("/nonexistent/cua.toml"), std::string::npos) << missing.err;
}

TEST(config_file, the_server_runs_with_what_the_file_says) {
  temp_file file("backend = \"sim\"\ntools = [\"screenshot_cua\", \"get_session_stats\"]\n"
                 "max-sessions = 1\n");
  server_process server({"--config", file.path()});
  server.initialize();
  auto tools = server.request("tools/list")["result"]["tools"];
  std::set<std::string> names;
  for (const auto& tool : tools)
    names.insert(tool["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"screenshot_cua", "get_session_stats"}));
  auto stats = server.call_tool("get_session_stats");
  EXPECT_NE(all_text_of(stats).find("\"max_sessions\":1"), std::string::npos) << all_text_of(stats);
}

TEST(config_file, print_config_makes_nothing_on_disk) {
  auto dir = std::filesystem::temp_directory_path() / ("cua-config-dry-" + std::to_string(getpid()));
  auto result = run({"--trajectory-dir", (dir / "recordings").string(), "--audit-log",
                     (dir / "audit.jsonl").string(), "--print-config"});
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir)) << "--print-config made " << dir;
  std::filesystem::remove_all(dir);
}

TEST(config_file, print_config_never_prints_a_secret) {
  temp_file token("s3cret-token-value\n");
  auto result = run({"--transport", "http", "--auth-token-file", token.path(), "--print-config"},
                    {"ANTHROPIC_API_KEY=sk-ant-not-to-be-seen"});
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out.find("s3cret-token-value"), std::string::npos);
  EXPECT_EQ(result.out.find("sk-ant-not-to-be-seen"), std::string::npos);
  EXPECT_NE(result.out.find("the HTTP bearer token: from auth-token-file"), std::string::npos);
  EXPECT_NE(result.out.find("ANTHROPIC_API_KEY: set in the environment"), std::string::npos);
}

TEST(config_file, version_names_the_commit_caf_and_the_protocol_revisions) {
  auto result = run({"--version"});
  ASSERT_EQ(result.code, 0);
  EXPECT_EQ(result.out.rfind("cua-mcp-server " CUA_VERSION "\n", 0), 0u) << result.out;
  EXPECT_TRUE(std::regex_search(result.out, std::regex{R"(\ncommit ([0-9a-f]{12}(-dirty)?|unknown)\n)"}))
    << result.out;
  EXPECT_NE(result.out.find("\nCAF 0.17."), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("2026-07-28"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("2024-11-05"), std::string::npos) << result.out;
}

TEST(config_file, the_man_page_and_the_reference_list_every_flag_of_help) {
  auto help = run({"--help"});
  ASSERT_EQ(help.code, 0);
  auto flags = flags_in(help.out);
  ASSERT_GT(flags.size(), 60u);
  std::ifstream man_file(CUA_MAN_PAGE);
  ASSERT_TRUE(man_file) << CUA_MAN_PAGE;
  std::string man{std::istreambuf_iterator<char>(man_file), {}};
  // roff writes a flag's dashes as \-
  man = std::regex_replace(man, std::regex{R"(\\-)"}, "-");
  auto in_man = flags_in(man);
  std::ifstream reference_file(CUA_CONFIG_REFERENCE);
  std::string reference{std::istreambuf_iterator<char>(reference_file), {}};
  for (const auto& flag : flags) {
    EXPECT_TRUE(in_man.count(flag) > 0) << flag << " is in --help but not in the man page";
    auto key = flag.substr(2);
    if (key == "help" || key == "version" || key == "config" || key == "print-config")
      continue;
    EXPECT_TRUE(std::regex_search(reference, std::regex{"\n#? ?" + key + " = "}))
      << key << " is a flag but not a key of the configuration reference";
  }
}
