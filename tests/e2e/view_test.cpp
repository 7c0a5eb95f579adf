// The live view of the built server over raw HTTP: where it is served and where not, its page's
// headers, its login (token, cookie), and a frame that follows a tool's action. (The page itself
// runs in a real browser in tests/browser/view.test.mjs.)

#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/http_server.hpp"
#include "tests/e2e/server_process.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/json_lines.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

answer get(int port, const std::string& target, std::map<std::string, std::string> headers = {}) {
  connection c(port);
  return c.send(http::verb::get, "", std::move(headers), target);
}

answer post(int port, const std::string& target, const std::string& body,
            std::map<std::string, std::string> headers = {}) {
  connection c(port);
  headers.emplace("Content-Type", "application/json");
  return c.send(http::verb::post, body, std::move(headers), target);
}

// Waits for the server's "live view on http://127.0.0.1:PORT/" line; returns the port or 0.
int view_port(server_process& server) {
  std::regex line{R"(live view on http://127\.0\.0\.1:(\d+)/)"};
  for (int i = 0; i < 200; ++i) {
    std::smatch m;
    auto text = server.stderr_text();
    if (std::regex_search(text, m, line))
      return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return 0;
}

// Opens the overview's event stream and returns what came up to its first event (headers
// included) and that first event's overview.
std::pair<std::string, json> first_overview(int port,
                                            const std::map<std::string, std::string>& headers = {}) {
  connection events(port);
  http::request<http::string_body> req{http::verb::get, "/view/api/events", 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers)
    req.set(name, value);
  http::write(events.stream(), req);
  // Read raw (head and chunked body alike) until the first whole event is there.
  std::string text;
  events.stream().expires_after(std::chrono::seconds(10));
  while (text.find("data: ") == std::string::npos
         || text.find("\n\n", text.find("data: ")) == std::string::npos) {
    char bytes[4096];
    auto n = events.stream().read_some(net::buffer(bytes));
    text.append(bytes, n);
  }
  auto data = text.find("data: ");
  return {text, json::parse(text.substr(data + 6, text.find('\n', data) - data - 6))};
}

std::string token_file(const temp_dir& dir, const std::string& token) {
  auto path = (dir.path / "token").string();
  std::ofstream(path) << token << "\n";
  return path;
}

} // namespace

TEST(live_view, the_page_is_served_whole_with_headers_that_keep_it_to_itself) {
  http_server server;
  auto page = get(server.port(), "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(page.headers["content-security-policy"].find("script-src 'self'"), std::string::npos);
  EXPECT_NE(page.headers["content-security-policy"].find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(page.headers["x-frame-options"], "DENY");
  EXPECT_NE(page.body.find("/view/view.js"), std::string::npos);
  // Nothing of the page comes from elsewhere.
  for (const auto& target : {"/", "/view/view.js", "/view/view.css"}) {
    auto file = get(server.port(), target);
    ASSERT_EQ(file.status, 200) << target;
    EXPECT_EQ(file.body.find("http://"), std::string::npos) << target;
    EXPECT_EQ(file.body.find("https://"), std::string::npos) << target;
  }
  EXPECT_EQ(get(server.port(), "/view/nothing").status, 404);
  EXPECT_EQ(get(server.port(), "/view/api/nothing").status, 404);
  // The Host and Origin checks of /mcp hold here too (DNS rebinding, other sites' pages).
  EXPECT_EQ(get(server.port(), "/", {{"Host", "evil.example"}}).status, 403);
  EXPECT_EQ(post(server.port(), "/view/api/sessions/s1/pause", "{}",
                 {{"Origin", "https://evil.example"}}).status, 403);
  EXPECT_EQ(post(server.port(), "/", "{}").status, 405);
}

TEST(live_view, with_a_token_the_api_takes_it_or_the_login_cookie_and_nothing_else) {
  temp_dir dir("cua-view");
  http_server server{{"--auth-token-file", token_file(dir, "view-token-4711")}};
  auto port = server.port();
  EXPECT_EQ(get(port, "/").status, 200); // the page (its login form) holds no data
  auto status = get(port, "/view/api/status");
  EXPECT_EQ(status.status, 401);
  EXPECT_EQ(get(port, "/view/api/events").status, 401);
  EXPECT_EQ(get(port, "/view/api/sessions/s1/frame").status, 401);
  EXPECT_EQ(get(port, "/view/api/status", {{"Authorization", "Bearer view-token-4711"}}).status, 200);
  auto wrong = post(port, "/view/login", R"({"token":"view-token-4712"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_TRUE(wrong.headers["set-cookie"].empty());
  EXPECT_EQ(get(port, "/view/api/status", {{"Cookie", "cua_view=guess"}}).status, 401);
  auto login = post(port, "/view/login", R"({"token":"view-token-4711"})");
  ASSERT_EQ(login.status, 200);
  auto cookie = login.headers["set-cookie"];
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("view-token-4711"), std::string::npos); // a login of its own, not the token
  auto value = cookie.substr(0, cookie.find(';'));
  auto in = get(port, "/view/api/status", {{"Cookie", "other=1; " + value}});
  EXPECT_EQ(in.status, 200);
  EXPECT_EQ(json::parse(in.body)["token_required"], true);
  EXPECT_EQ(post(port, "/view/logout", "{}", {{"Cookie", value}}).status, 200);
  EXPECT_EQ(get(port, "/view/api/status", {{"Cookie", value}}).status, 401);
  // The token is never logged, nor the login.
  auto log = server.process().stderr_text();
  EXPECT_EQ(log.find("view-token-4711"), std::string::npos);
  EXPECT_EQ(log.find(value.substr(value.find('=') + 1)), std::string::npos);
}

TEST(live_view, a_frame_follows_an_action_of_the_computer_tool) {
  http_server server;
  auto client = server.new_client();
  ASSERT_EQ(server.call(client, "computer", {{"session_id", "a"}, {"action", "screenshot"}}).status, 200);
  // The overview names the session by a key of the view's own, not the client's id.
  auto [head, overview] = first_overview(server.port());
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  ASSERT_EQ(overview["sessions"].size(), 1u);
  EXPECT_EQ(head.find(client), std::string::npos);
  EXPECT_EQ(overview.dump().find(client), std::string::npos);
  auto key = overview["sessions"][0]["key"].get<std::string>();
  auto frame_path = "/view/api/sessions/" + key + "/frame";
  auto first = get(server.port(), frame_path + "?after=0");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.headers["content-type"], "image/jpeg");
  EXPECT_EQ(first.headers["x-image-width"], "1280");
  auto seq = std::stoull(first.headers["x-frame"]);
  // Held until the picture changes; the action's answer comes first, then the new frame.
  auto waiting = std::async(std::launch::async, [&] {
    return get(server.port(), frame_path + "?after=" + std::to_string(seq));
  });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(600)), std::future_status::timeout);
  ASSERT_EQ(server.call(client, "computer",
                        {{"session_id", "a"}, {"action", "left_click"}, {"coordinate", {50, 50}}})
              .status,
            200);
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  auto changed = waiting.get();
  EXPECT_EQ(changed.status, 200);
  EXPECT_GT(std::stoull(changed.headers["x-frame"]), seq);
  EXPECT_NE(changed.body, first.body);
}

TEST(live_view, stdio_serves_it_on_view_listen_alone) {
  temp_dir dir("cua-view");
  server_process server({"--backend", "sim", "--view-listen", "127.0.0.1:0", "--auth-token-file",
                         token_file(dir, "stdio-view-token")});
  server.initialize();
  auto port = view_port(server);
  ASSERT_NE(port, 0) << server.stderr_text();
  EXPECT_EQ(get(port, "/").status, 200);
  EXPECT_EQ(get(port, "/mcp").status, 404); // the MCP client is the parent, on stdio
  auto shot = server.call_tool("computer", {{"action", "screenshot"}});
  EXPECT_FALSE(shot.value("isError", false));
  auto status = get(port, "/view/api/status", {{"Authorization", "Bearer stdio-view-token"}});
  EXPECT_EQ(status.status, 200);
}

TEST(live_view, it_is_off_when_asked_and_beyond_loopback_without_a_token) {
  http_server off{{"--no-view"}};
  EXPECT_EQ(get(off.port(), "/").status, 404);
  EXPECT_EQ(get(off.port(), "/view/api/status").status, 404);
  // Listening on every address without a token: the view stays off, and the log says why.
  server_process wide({"--transport", "http", "--listen", "0.0.0.0:0", "--backend", "sim"},
                      {"CUA_MCP_AUTH_TOKEN="});
  for (int i = 0; i < 200 && wide.stderr_text().find("ready on") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  EXPECT_NE(wide.stderr_text().find("the live view is off"), std::string::npos) << wide.stderr_text();
  EXPECT_EQ(wide.stderr_text().find("live view on"), std::string::npos);
}

TEST(live_view, an_operator_types_into_a_real_desktop_while_the_client_waits) {
  // The default desktop: a window manager and an xterm, sandboxed, on a real X display.
  server_process server({"--backend", "xvfb", "--view-listen", "127.0.0.1:0", "--screen", "800x600"},
                        {"CUA_MCP_AUTH_TOKEN="});
  server.initialize();
  auto port = view_port(server);
  ASSERT_NE(port, 0) << server.stderr_text();
  // A new desktop's terminal may still be drawing: wait until two screenshots a moment apart agree.
  auto screen = [&] {
    auto shot = server.call_tool("computer", {{"action", "screenshot"}});
    EXPECT_EQ(shot["content"][1]["type"], "image");
    return shot["content"][1].value("data", "");
  };
  auto before = screen();
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    auto again = screen();
    if (again == before)
      break;
    before = again;
  }
  // The overview, read through a short-lived stream.
  connection events(port);
  http::request<http::string_body> req{http::verb::get, "/view/api/events", 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  http::write(events.stream(), req);
  std::string text;
  events.stream().expires_after(std::chrono::seconds(10));
  while (text.find("\"key\":\"") == std::string::npos) {
    char bytes[4096];
    text.append(bytes, events.stream().read_some(net::buffer(bytes)));
  }
  auto at = text.find("\"key\":\"") + 7;
  auto base = "/view/api/sessions/" + text.substr(at, text.find('"', at) - at);
  ASSERT_EQ(post(port, base + "/pause", "{}").status, 200);
  // The client's own actions wait for the operator; its screenshots do not.
  auto refused = server.call_tool("computer", {{"action", "type"}, {"text", "client"}});
  EXPECT_TRUE(refused.value("isError", false));
  EXPECT_NE(text_of(refused).find("paused"), std::string::npos) << refused.dump();
  // The screen is still while nobody acts (so the change below is the operator's).
  EXPECT_TRUE(screen() == before);
  auto typed = post(port, base + "/act", R"({"action":"type","text":"echo operator-was-here"})");
  EXPECT_EQ(typed.status, 200) << typed.body;
  EXPECT_EQ(post(port, base + "/act", R"({"action":"key","text":"Return"})").status, 200);
  // The terminal shows the typed line and its output: the next screenshot differs.
  EXPECT_FALSE(screen() == before);
  ASSERT_EQ(post(port, base + "/resume", "{}").status, 200);
  auto own = server.call_tool("computer", {{"action", "key"}, {"text", "ctrl+l"}});
  EXPECT_FALSE(own.value("isError", false)) << own.dump();
  // The take-over is in the log, the typed text by its length only.
  auto log = server.stderr_text();
  EXPECT_NE(log.find("paused by an operator"), std::string::npos);
  EXPECT_NE(log.find("type (22 characters)"), std::string::npos) << log;
  EXPECT_EQ(log.find("operator-was-here"), std::string::npos);
}

TEST(live_view, a_teams_token_does_not_open_it) {
  temp_dir dir("cua-view");
  auto teams = (dir.path / "teams").string();
  std::ofstream(teams) << "team-token-0001 name=team\n";
  http_server server{{"--auth-token-file", token_file(dir, "operator-token-0815"), "--token-file", teams}};
  auto port = server.port();
  EXPECT_EQ(get(port, "/view/api/status", {{"Authorization", "Bearer team-token-0001"}}).status, 401);
  auto login = post(port, "/view/login", R"({"token":"team-token-0001"})");
  EXPECT_EQ(login.status, 401);
  EXPECT_NE(login.body.find("operator"), std::string::npos) << login.body;
  EXPECT_EQ(get(port, "/view/api/status", {{"Authorization", "Bearer operator-token-0815"}}).status, 200);
}

TEST(live_view, the_operators_actions_are_in_the_audit_log_after_the_clients_calls) {
  temp_dir dir("cua-view");
  auto audit = dir.path / "audit.jsonl";
  server_process server({"--backend", "sim", "--view-listen", "127.0.0.1:0", "--auth-token-file",
                         token_file(dir, "audit-view-token"), "--audit-log", audit.string()});
  server.initialize();
  auto port = view_port(server);
  ASSERT_NE(port, 0) << server.stderr_text();
  auto shot = server.call_tool("computer", {{"action", "screenshot"}});
  ASSERT_FALSE(shot.value("isError", false));
  std::map<std::string, std::string> auth{{"Authorization", "Bearer audit-view-token"}};
  auto overview = first_overview(port, auth).second;
  ASSERT_EQ(overview["sessions"].size(), 1u) << overview;
  auto base = "/view/api/sessions/" + overview["sessions"][0]["key"].get<std::string>();
  ASSERT_EQ(post(port, base + "/pause", "{}", auth).status, 200);
  ASSERT_EQ(post(port, base + "/act", R"({"action":"left_click","coordinate":[5,6]})", auth).status,
            200);
  ASSERT_EQ(post(port, base + "/resume", "{}", auth).status, 200);
  server.close_stdin();
  ASSERT_EQ(server.wait_exit(std::chrono::seconds(10)), 0);

  auto records = json_lines_of(audit);
  ASSERT_EQ(records.size(), 4u) << read_whole_file(audit);
  EXPECT_EQ(records[0]["kind"], "tool_call");
  EXPECT_EQ(records[0]["client"], "stdio");
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(records[i]["kind"], "operator_action") << records[i];
    EXPECT_EQ(records[i]["outcome"], "ok") << records[i];
    EXPECT_EQ(records[i]["session_client"], "stdio") << records[i];
  }
  EXPECT_EQ(records[1]["operation"], "pause");
  EXPECT_EQ(records[2]["operation"], "act");
  EXPECT_EQ(records[2]["arguments"]["coordinate"], json({5, 6}));
  EXPECT_EQ(records[3]["operation"], "resume");
  EXPECT_EQ(read_whole_file(audit).find("audit-view-token"), std::string::npos);
}
