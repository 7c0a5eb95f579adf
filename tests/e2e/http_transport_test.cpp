// The Streamable HTTP transport of the built server, spoken to over raw HTTP: what it refuses and
// with which status, limits, idle clients, and shutdown with streams open. (The SDK client and the
// conformance suite cover the protocol itself: tests/interop/http.test.mjs, tests/conformance.)

#include <csignal>
#include <future>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/http_server.hpp"
#include "tests/e2e/server_process.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/loopback_ports.hpp"
#include "tests/support/prometheus_checks.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cua::test;
using nlohmann::json;

TEST(http_transport, bad_requests_are_refused_with_the_status_that_says_why) {
  http_server server{{"--max-body", "4096"}};
  auto id = server.new_client();
  auto post = [&](const std::string& body, std::map<std::string, std::string> headers = {},
                  const std::string& target = "/mcp") {
    connection c(server.port());
    return c.send(http::verb::post, body, std::move(headers), target);
  };
  auto ping = rpc(1, "ping").dump();
  EXPECT_EQ(post(ping, {{"Mcp-Session-Id", id}}).status, 200);
  EXPECT_EQ(post(ping, {{"Mcp-Session-Id", id}}, "/other").status, 404);
  auto rebinding = post(initialize_request().dump(), {{"Host", "evil.example.com"}});
  EXPECT_EQ(rebinding.status, 403);
  EXPECT_NE(rebinding.error()["error"]["message"].get<std::string>().find("Host"), std::string::npos);
  EXPECT_EQ(post(ping, {{"Mcp-Session-Id", id}, {"Origin", "http://evil.example.com"}}).status, 403);
  EXPECT_EQ(post(ping, {{"Mcp-Session-Id", id}, {"Origin", "http://localhost:5173"}}).status, 200);
  EXPECT_EQ(post(ping, {{"Mcp-Session-Id", id}, {"Content-Type", "text/plain"}}).status, 415);
  EXPECT_EQ(post(ping, {{"Mcp-Session-Id", id}, {"Accept", "application/json"}}).status, 406);
  auto garbage = post("{not json", {{"Mcp-Session-Id", id}});
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.error()["error"]["code"], -32700);
  EXPECT_EQ(post(ping).status, 400); // no Mcp-Session-Id
  auto unknown = post(ping, {{"Mcp-Session-Id", "no-such-client"}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.error()["error"]["code"], -32001);
  EXPECT_EQ(post(ping, {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", "1999-01-01"}}).status, 400);
  EXPECT_EQ(post(ping, {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", "2025-03-26"}}).status, 200);
  auto big = post(rpc(2, "ping", {{"pad", std::string(8000, 'x')}}).dump(), {{"Mcp-Session-Id", id}});
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.error()["error"]["message"].get<std::string>().find("--max-body"), std::string::npos);
  connection c(server.port());
  auto put = c.send(http::verb::put, "", {{"Mcp-Session-Id", id}});
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.headers["allow"], "GET, POST, DELETE");
  // After all of that, the client is served as before.
  auto shot = server.call(id, "screenshot_cua");
  EXPECT_EQ(shot.status, 200);
  EXPECT_EQ(json::parse(shot.body)["result"]["content"][0]["type"], "image");
}

TEST(http_transport, one_connection_carries_many_requests) {
  http_server server;
  auto id = server.new_client();
  connection c(server.port());
  for (int i = 0; i < 20; ++i) {
    auto a = c.send(http::verb::post, rpc(i, "ping").dump(), {{"Mcp-Session-Id", id}});
    ASSERT_EQ(a.status, 200);
    EXPECT_EQ(json::parse(a.body)["id"], i);
  }
}

TEST(http_transport, batches_are_answered_as_arrays_at_2025_03_26_and_refused_after) {
  http_server server;
  auto old_client = [&](const std::string& version) {
    connection c(server.port());
    auto init = initialize_request();
    init["params"]["protocolVersion"] = version;
    auto a = c.send(http::verb::post, init.dump());
    EXPECT_EQ(json::parse(a.body)["result"]["protocolVersion"], version);
    return a.headers["mcp-session-id"];
  };
  auto id = old_client("2025-03-26");
  connection c(server.port());
  json batch = json::array({rpc(1, "ping"), rpc(2, "tools/list"),
                            {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}});
  auto a = c.send(http::verb::post, batch.dump(), {{"Mcp-Session-Id", id}});
  ASSERT_EQ(a.status, 200) << a.body;
  auto answers = json::parse(a.body);
  ASSERT_TRUE(answers.is_array()) << a.body;
  EXPECT_EQ(answers.size(), 2u);
  auto only_notes = json::array({{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}});
  EXPECT_EQ(c.send(http::verb::post, only_notes.dump(), {{"Mcp-Session-Id", id}}).status, 202);
  auto newer = old_client("2025-11-25");
  auto refused = c.send(http::verb::post, batch.dump(), {{"Mcp-Session-Id", newer}});
  ASSERT_EQ(refused.status, 200);
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], -32600) << refused.body;
  EXPECT_EQ(c.send(http::verb::post, rpc(3, "ping").dump(), {{"Mcp-Session-Id", newer}}).status, 200);
}

TEST(http_transport, connections_past_the_limit_are_told_503) {
  http_server server{{"--max-connections", "2"}};
  connection first(server.port());
  connection second(server.port());
  EXPECT_EQ(first.send(http::verb::post, initialize_request().dump()).status, 200);
  connection third(server.port());
  EXPECT_EQ(third.read().status, 503);
  EXPECT_EQ(second.send(http::verb::post, initialize_request().dump()).status, 200);
}

TEST(http_transport, a_bearer_token_is_required_and_never_logged) {
  char path[] = "/tmp/cua-token-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  std::ofstream(path) << "e2e-token-0815\n";
  http_server server{{"--auth-token-file", path, "--log-level", "debug"}};
  connection c(server.port());
  auto refused = c.send(http::verb::post, initialize_request().dump());
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.headers["www-authenticate"].find("Bearer"), std::string::npos);
  EXPECT_EQ(c.send(http::verb::post, initialize_request().dump(),
                   {{"Authorization", "Bearer e2e-token-081"}}).status, 401);
  EXPECT_EQ(c.send(http::verb::post, initialize_request().dump(),
                   {{"Authorization", "Bearer e2e-token-0815"}}).status, 200);
  // SDK clients answer a 401 with OAuth discovery and registration: each step says what to do.
  auto says_static_token = [](const std::string& body) {
    return body.find("static bearer token") != std::string::npos
           && body.find("Authorization: Bearer") != std::string::npos;
  };
  EXPECT_TRUE(says_static_token(refused.body)) << refused.body;
  for (std::string path : {"/.well-known/oauth-protected-resource",
                           "/.well-known/oauth-protected-resource/mcp",
                           "/.well-known/oauth-authorization-server",
                           "/.well-known/openid-configuration"}) {
    connection d(server.port());
    auto discovery = d.send(http::verb::get, "", {}, path);
    EXPECT_EQ(discovery.status, 404) << path;
    EXPECT_EQ(discovery.headers["content-type"], "application/json") << path;
    EXPECT_TRUE(says_static_token(discovery.error()["error_description"].get<std::string>())) << path;
  }
  connection r(server.port());
  auto registration = r.send(http::verb::post, R"({"client_name":"x","redirect_uris":["http://localhost/cb"]})",
                             {}, "/register");
  EXPECT_EQ(registration.status, 404);
  EXPECT_EQ(registration.error()["error"], "invalid_request");
  EXPECT_TRUE(says_static_token(registration.error()["error_description"].get<std::string>()));
  std::remove(path);
  EXPECT_EQ(server.process().stderr_text().find("e2e-token-0815"), std::string::npos);
}

TEST(http_transport, clients_past_the_limit_get_503_and_idle_ones_end_with_their_sessions) {
  http_server server{{"--max-clients", "2", "--client-idle-timeout", "1.5"}};
  auto idle = server.new_client();
  auto busy = server.new_client();
  // Both hold a session in use just now, so neither gives up its slot.
  EXPECT_EQ(server.call(idle, "screenshot_cua").status, 200);
  EXPECT_EQ(server.call(busy, "screenshot_cua").status, 200);
  connection c(server.port());
  auto third = c.send(http::verb::post, initialize_request().dump());
  EXPECT_EQ(third.status, 503);
  EXPECT_NE(third.error()["error"]["message"].get<std::string>().find("--max-clients"),
            std::string::npos);
  // Retry-After says when the first slot could be had: once a session has been idle 60 s.
  auto retry = std::stoi(third.headers["retry-after"]);
  EXPECT_GE(retry, 55);
  EXPECT_LE(retry, 60);
  EXPECT_EQ(server.stats(busy)["server_sessions"], 2);
  // The busy client keeps asking; the idle one goes after 1.5 s, and its session with it.
  json seen;
  for (int i = 0; i < 40; ++i) {
    seen = server.stats(busy);
    if (seen["server_sessions"] == 1)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(seen["server_sessions"], 1) << server.process().stderr_text();
  EXPECT_EQ(server.call(idle, "get_session_stats").status, 404);
  server.new_client(); // its place is free again
}

TEST(http_transport, get_streams_and_running_calls_do_not_hold_up_shutdown) {
  http_server server;
  auto id = server.new_client();
  connection stream(server.port());
  http::request<http::empty_body> get{http::verb::get, "/mcp", 11};
  get.set(http::field::host, "127.0.0.1:" + std::to_string(server.port()));
  get.set(http::field::accept, "text/event-stream");
  get.set("Mcp-Session-Id", id);
  http::write(stream.stream(), get);
  auto head = stream.read(true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-type"], "text/event-stream");
  // A call that holds its POST open (the hold_key action waits on the computer).
  connection waiting(server.port());
  auto body = rpc(5, "tools/call", {{"name", "computer"},
                                    {"arguments", {{"action", "hold_key"}, {"text", "a"}, {"duration", 30}}}});
  http::request<http::string_body> req{http::verb::post, "/mcp", 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(server.port()));
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json, text/event-stream");
  req.set("Mcp-Session-Id", id);
  req.body() = body.dump();
  req.prepare_payload();
  http::write(waiting.stream(), req);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto started = std::chrono::steady_clock::now();
  kill(server.process().pid(), SIGTERM);
  auto code = server.process().wait_exit(std::chrono::seconds(6));
  ASSERT_TRUE(code) << server.process().stderr_text();
  EXPECT_EQ(*code, 0) << server.process().stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_TRUE(server.process().children().empty());
}

TEST(http_transport, bad_flags_are_refused_before_serving) {
  auto refused_with = [](std::vector<std::string> args, const std::string& words) {
    server_process server(std::move(args));
    auto code = server.wait_exit(std::chrono::seconds(5));
    ASSERT_TRUE(code);
    EXPECT_NE(*code, 0);
    EXPECT_NE(server.stderr_text().find(words), std::string::npos) << server.stderr_text();
  };
  refused_with({"--transport", "http", "--listen", "nonsense"}, "expected HOST:PORT");
  refused_with({"--transport", "http", "--listen", "127.0.0.1:70000"}, "up to 65535");
  refused_with({"--transport", "tcp"}, "--transport");
  refused_with({"--auth-token-file", "/etc/hostname"}, "needs --transport http");
  // A port that is taken: the server says so and ends.
  int port = unused_loopback_port();
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  refused_with({"--transport", "http", "--backend", "sim", "--listen",
                "127.0.0.1:" + std::to_string(port)},
               "cannot listen on 127.0.0.1:" + std::to_string(port));
  close(fd);
}

// Most clients never send DELETE (each `claude mcp list`, each inspector CLI run): their slots go
// to new clients rather than locking everyone out.
TEST(http_transport, one_shot_clients_that_never_delete_do_not_lock_others_out) {
  http_server server; // --max-clients 32
  for (int i = 0; i < 100; ++i) {
    auto id = server.new_client();
    connection c(server.port());
    auto listed = c.send(http::verb::post, rpc(1, "tools/list").dump(), {{"Mcp-Session-Id", id}});
    ASSERT_EQ(listed.status, 200) << "client " << i << ": " << listed.body;
  }
  auto id = server.new_client();
  EXPECT_EQ(server.call(id, "get_session_stats").status, 200);
  EXPECT_NE(server.process().stderr_text().find("its slot went to a new client"), std::string::npos);
}

TEST(http_transport, a_client_holding_a_session_keeps_its_slot_while_one_shot_clients_come_and_go) {
  http_server server{{"--max-clients", "2", "--client-grace", "0.1"}};
  auto holder = server.new_client();
  EXPECT_EQ(server.call(holder, "screenshot_cua").status, 200);
  std::string last;
  for (int i = 0; i < 20; ++i) {
    last = server.new_client();
    connection c(server.port());
    EXPECT_EQ(c.send(http::verb::post, rpc(1, "tools/list").dump(), {{"Mcp-Session-Id", last}}).status,
              200);
  }
  // The holder was idle longer than any of them, yet it kept its slot and its session.
  auto stats = server.stats(holder);
  EXPECT_EQ(stats["total_sessions"], 1);
  EXPECT_EQ(stats["server_sessions"], 1);
  // A client with a request in flight keeps its slot too: the one-shot client's call holds its
  // POST open, so the next client is refused while it lasts.
  connection waiting(server.port());
  http::request<http::string_body> req{http::verb::post, "/mcp", 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(server.port()));
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json, text/event-stream");
  req.set("Mcp-Session-Id", last);
  req.body() = rpc(7, "tools/call", {{"name", "computer"},
                                     {"arguments", {{"action", "hold_key"}, {"text", "a"}, {"duration", 3}}}})
                 .dump();
  req.prepare_payload();
  http::write(waiting.stream(), req);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  connection c(server.port());
  auto refused = c.send(http::verb::post, initialize_request().dump());
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.headers.count("retry-after"), 1u);
  EXPECT_EQ(waiting.read().status, 200);
}

// A client in the middle of its conversation (just initialized, its next request on the way)
// keeps its slot for --client-grace; a new client waits for that, then takes the slot.
TEST(http_transport, a_client_between_its_requests_keeps_its_slot_for_its_grace) {
  http_server server{{"--max-clients", "1", "--client-grace", "1"}};
  auto first = server.new_client();
  auto start = std::chrono::steady_clock::now();
  auto second = std::async(std::launch::async, [&] { return server.new_client(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  connection c(server.port());
  EXPECT_EQ(c.send(http::verb::post, rpc(1, "tools/list").dump(), {{"Mcp-Session-Id", first}}).status, 200);
  auto id = second.get(); // admitted once the first client has been quiet for 1 s
  EXPECT_FALSE(id.empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1100));
  EXPECT_EQ(server.call(first, "get_session_stats").status, 404); // its slot went to the second
  EXPECT_EQ(server.call(id, "get_session_stats").status, 200);
}

// An abandoned session is reclaimed when a new session needs its room, and not before.
TEST(http_transport, abandoned_sessions_make_room_for_new_ones_and_not_before) {
  http_server server{{"--max-sessions", "2", "--evict-idle", "1"}};
  auto gone = server.new_client();
  EXPECT_EQ(server.call(gone, "screenshot_cua", {{"session_id", "a"}}).status, 200);
  EXPECT_EQ(server.call(gone, "screenshot_cua", {{"session_id", "b"}}).status, 200);
  auto newcomer = server.new_client();
  auto text_of = [](const answer& a) {
    auto body = json::parse(a.body);
    return body["result"]["content"][0]["text"].get<std::string>();
  };
  auto early = server.call(newcomer, "screenshot_cua");
  ASSERT_EQ(early.status, 200);
  EXPECT_NE(text_of(early).find("--evict-idle"), std::string::npos) << early.body;
  EXPECT_EQ(server.stats(newcomer)["server_sessions"], 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto later = server.call(newcomer, "screenshot_cua");
  EXPECT_EQ(json::parse(later.body)["result"].value("isError", false), false) << later.body;
  auto stats = server.stats(newcomer);
  EXPECT_EQ(stats["server_sessions"], 2);
  EXPECT_EQ(stats["totals"]["sessions_evicted"], 1);
  EXPECT_NE(server.process().stderr_text().find("session a (client " + gone + ") evicted"),
            std::string::npos)
    << server.process().stderr_text();
  // The client of the evicted session hears why when it comes back, once.
  auto back = server.call(gone, "screenshot_cua", {{"session_id", "a"}});
  EXPECT_NE(text_of(back).find("to make room"), std::string::npos) << back.body;
  EXPECT_NE(text_of(back).find("--evict-idle"), std::string::npos) << back.body;
}

// --- The stateless revision (2026-07-28) over HTTP: no session, each POST on its own ---

namespace {

json modern_request(int id, const std::string& method, json params = json::object()) {
  params["_meta"] = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                     {"io.modelcontextprotocol/clientCapabilities", json::object()}};
  return rpc(id, method, params);
}

std::map<std::string, std::string> modern_headers(const std::string& method,
                                                  const std::string& name = "") {
  std::map<std::string, std::string> headers{{"MCP-Protocol-Version", "2026-07-28"},
                                             {"Mcp-Method", method}};
  if (!name.empty())
    headers["Mcp-Name"] = name;
  return headers;
}

answer post_modern(http_server& server, const json& body, std::map<std::string, std::string> headers) {
  connection c(server.port());
  return c.send(http::verb::post, body.dump(), std::move(headers));
}

} // namespace

TEST(http_transport, stateless_requests_need_no_session_and_their_sessions_are_handles) {
  http_server server;
  auto discover = post_modern(server, modern_request(1, "server/discover"),
                              modern_headers("server/discover"));
  ASSERT_EQ(discover.status, 200) << discover.body;
  EXPECT_EQ(discover.headers.count("mcp-session-id"), 0u);
  EXPECT_EQ(json::parse(discover.body)["result"]["supportedVersions"], json::array({"2026-07-28"}));
  auto call = [&](int id, json arguments, std::map<std::string, std::string> extra = {}) {
    auto headers = modern_headers("tools/call", "computer");
    headers.insert(extra.begin(), extra.end());
    return post_modern(server, modern_request(id, "tools/call", {{"name", "computer"}, {"arguments", arguments}}),
                       headers);
  };
  auto first = call(2, {{"action", "screenshot"}});
  ASSERT_EQ(first.status, 200) << first.body;
  auto result = json::parse(first.body)["result"];
  EXPECT_EQ(result["resultType"], "complete");
  auto id = result["structuredContent"]["session_id"].get<std::string>();
  // The next POST (another connection, no Mcp-Session-Id) reaches the same session by its id,
  // mirrored in Mcp-Param-Session-Id (plain or base64).
  auto again = call(3, {{"action", "cursor_position"}, {"session_id", id}}, {{"Mcp-Param-Session-Id", id}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_FALSE(json::parse(again.body)["result"].value("isError", false)) << again.body;
  EXPECT_EQ(json::parse(again.body)["result"]["structuredContent"].count("session_id"), 0u);
  auto stats = post_modern(server, modern_request(4, "tools/call", {{"name", "get_session_stats"}, {"arguments", json::object()}}),
                           modern_headers("tools/call", "get_session_stats"));
  EXPECT_TRUE(json::parse(stats.body)["result"]["structuredContent"]["sessions"].contains(id)) << stats.body;
  // A 2025 client (its own MCP session) sees none of the stateless principal's sessions.
  auto legacy = server.new_client();
  EXPECT_EQ(server.stats(legacy)["total_sessions"], 0);
  // The header must mirror the argument.
  auto mismatched = call(5, {{"action", "cursor_position"}, {"session_id", id}}, {{"Mcp-Param-Session-Id", "other"}});
  EXPECT_EQ(mismatched.status, 400);
  EXPECT_EQ(mismatched.error()["error"]["code"], -32020);
  EXPECT_EQ(mismatched.error()["id"], 5);
}

TEST(http_transport, stateless_refusals_have_the_statuses_and_codes_of_the_revision) {
  http_server server;
  auto list = [&](json body, std::map<std::string, std::string> headers) {
    return post_modern(server, body, std::move(headers));
  };
  auto no_meta = list(rpc(1, "tools/list"), modern_headers("tools/list"));
  EXPECT_EQ(no_meta.status, 400);
  EXPECT_EQ(no_meta.error()["error"]["code"], -32602);
  EXPECT_EQ(no_meta.error()["id"], 1);
  auto unsupported_body = modern_request(2, "tools/list");
  unsupported_body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = "v999";
  auto headers = modern_headers("tools/list");
  headers["MCP-Protocol-Version"] = "v999";
  auto unsupported = list(unsupported_body, headers);
  EXPECT_EQ(unsupported.status, 400);
  EXPECT_EQ(unsupported.error()["error"]["code"], -32022);
  auto mismatch = list(unsupported_body, modern_headers("tools/list"));
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(mismatch.error()["error"]["code"], -32020);
  auto wrong_method = list(modern_request(3, "tools/list"), modern_headers("prompts/list"));
  EXPECT_EQ(wrong_method.status, 400);
  EXPECT_EQ(wrong_method.error()["error"]["code"], -32020);
  auto no_name = list(modern_request(4, "tools/call", {{"name", "screenshot_cua"}, {"arguments", json::object()}}),
                      modern_headers("tools/call"));
  EXPECT_EQ(no_name.status, 400);
  EXPECT_EQ(no_name.error()["error"]["code"], -32020);
  auto removed = list(modern_request(5, "initialize"), modern_headers("initialize"));
  EXPECT_EQ(removed.status, 404);
  EXPECT_EQ(removed.error()["error"]["code"], -32601);
  connection c(server.port());
  EXPECT_EQ(c.send(http::verb::get, "", {{"MCP-Protocol-Version", "2026-07-28"}, {"Accept", "text/event-stream"}}).status,
            405);
  // A 2025 client on the same endpoint is untouched.
  auto legacy = server.new_client();
  EXPECT_EQ(server.call(legacy, "get_session_stats").status, 200);
}

TEST(http_transport, metrics_are_behind_the_same_checks_as_mcp_and_count_what_was_done) {
  char path[] = "/tmp/cua-token-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  std::ofstream(path) << "metrics-token-4711\n";
  http_server server{{"--auth-token-file", path}};
  std::remove(path);
  const std::map<std::string, std::string> token{{"Authorization", "Bearer metrics-token-4711"}};
  auto scrape = [&](std::map<std::string, std::string> headers) {
    connection c(server.port());
    return c.send(http::verb::get, "", std::move(headers), "/metrics");
  };
  EXPECT_EQ(scrape({}).status, 401);
  EXPECT_EQ(scrape({{"Authorization", "Bearer metrics-token-4712"}}).status, 401);
  auto with = [&](std::pair<std::string, std::string> extra) {
    auto headers = token;
    headers[extra.first] = extra.second;
    return headers;
  };
  EXPECT_EQ(scrape(with({"Host", "evil.example:80"})).status, 403);
  EXPECT_EQ(scrape(with({"Origin", "https://evil.example"})).status, 403);
  {
    connection c(server.port());
    auto post = c.send(http::verb::post, "{}", token, "/metrics");
    EXPECT_EQ(post.status, 405);
    EXPECT_EQ(post.headers["allow"], "GET");
  }
  auto first = scrape(token);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  std::vector<std::string> problems;
  read_prometheus(first.body, problems);
  EXPECT_TRUE(problems.empty()) << first.body << ::testing::PrintToString(problems);
  EXPECT_EQ(prometheus_value(first.body, "cua_sessions"), 0);
  EXPECT_EQ(prometheus_value(first.body, "cua_http_responses_total", R"(code="401")"), 2);
  EXPECT_EQ(prometheus_value(first.body, "cua_http_responses_total", R"(code="403")"), 2);

  // A client: initialize, a screenshot, stats, a call with bad arguments.
  connection c(server.port());
  auto init = c.send(http::verb::post, initialize_request().dump(), token);
  ASSERT_EQ(init.status, 200) << init.body;
  auto session = init.headers["mcp-session-id"];
  auto headers = token;
  headers["Mcp-Session-Id"] = session;
  auto call = [&](int id, const std::string& tool, json arguments) {
    return c.send(http::verb::post,
                  rpc(id, "tools/call", {{"name", tool}, {"arguments", arguments}}).dump(), headers);
  };
  EXPECT_EQ(call(1, "screenshot_cua", json::object()).status, 200);
  EXPECT_EQ(call(2, "get_session_stats", json::object()).status, 200);
  EXPECT_EQ(call(3, "computer", {{"action", "fly"}}).status, 200);
  auto after = scrape(token);
  ASSERT_EQ(after.status, 200);
  problems.clear();
  read_prometheus(after.body, problems);
  EXPECT_TRUE(problems.empty()) << after.body << ::testing::PrintToString(problems);
  EXPECT_EQ(prometheus_value(after.body, "cua_sessions"), 1);
  EXPECT_EQ(prometheus_value(after.body, "cua_pool_in_use"), 1);
  EXPECT_EQ(prometheus_value(after.body, "cua_http_clients"), 1);
  EXPECT_EQ(prometheus_value(after.body, "cua_tool_calls_total",
                             R"(tool="screenshot_cua",outcome="ok")"), 1);
  EXPECT_EQ(prometheus_value(after.body, "cua_tool_calls_total",
                             R"(tool="get_session_stats",outcome="ok")"), 1);
  EXPECT_EQ(prometheus_value(after.body, "cua_tool_calls_total",
                             R"(tool="computer",outcome="error")"), 1);
  EXPECT_EQ(prometheus_value(after.body, "cua_tool_call_duration_seconds_count",
                             R"(tool="screenshot_cua")"), 1);
  EXPECT_GE(*prometheus_value(after.body, "cua_http_responses_total", R"(code="200")"), 5);
  // Another path is still not found; the token never reaches the log.
  EXPECT_EQ(scrape(with({"X", "y"})).status, 200);
  {
    connection d(server.port());
    EXPECT_EQ(d.send(http::verb::get, "", token, "/metrics/x").status, 404);
  }
  EXPECT_EQ(server.process().stderr_text().find("metrics-token-4711"), std::string::npos);
}

// --- MCP tasks over HTTP: a task belongs to its client and outlives its connections ---

namespace {

std::string slow_task_script(int seconds) {
  return write_replay_script(
    R"({"text":"waiting","actions":[{"action":"wait","duration":)" + std::to_string(seconds) + R"(}]}
{"text":"finished in the background"}
)");
}

// Returns the response in an answer: its body, or, from an SSE stream (a request that waited
// long enough for keep-alives), the event that carries it.
json response_in(const answer& a) {
  if (a.headers.count("content-type") == 0
      || a.headers.at("content-type").find("text/event-stream") == std::string::npos)
    return json::parse(a.body, nullptr, false);
  std::istringstream lines(a.body);
  std::string line;
  json found;
  while (std::getline(lines, line))
    if (line.rfind("data:", 0) == 0) {
      auto message = json::parse(line.substr(5), nullptr, false);
      if (message.is_object() && message.contains("id"))
        found = message;
    }
  return found;
}

json post_rpc(http_server& server, const std::string& client, const json& request) {
  connection c(server.port());
  auto a = c.send(http::verb::post, request.dump(), {{"Mcp-Session-Id", client}});
  EXPECT_EQ(a.status, 200) << a.body;
  return response_in(a);
}

std::string all_text(const json& result) {
  std::string text;
  if (result.contains("content"))
    for (const auto& block : result["content"])
      if (block.value("type", "") == "text")
        text += block["text"].get<std::string>() + "\n";
  return text;
}

} // namespace

TEST(http_transport, a_task_outlives_a_dropped_connection_and_only_its_client_sees_it) {
  http_server server{{"--model", "replay:" + slow_task_script(2), "--settle-ms", "0"}};
  auto owner = server.new_client();
  auto other = server.new_client();
  auto created = post_rpc(server, owner,
                          rpc(1, "tools/call", {{"name", "run_cua_task"},
                                                {"arguments", {{"task", "wait"}}},
                                                {"task", {{"ttl", 60000}}}}));
  ASSERT_TRUE(created.contains("result")) << created;
  auto id = created["result"]["task"]["taskId"].get<std::string>();
  {
    // A tasks/result whose connection drops before the answer: the task goes on.
    connection dropped(server.port());
    http::request<http::string_body> req{http::verb::post, "/mcp", 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(server.port()));
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json, text/event-stream");
    req.set("Mcp-Session-Id", owner);
    req.body() = rpc(2, "tasks/result", {{"taskId", id}}).dump();
    req.prepare_payload();
    http::write(dropped.stream(), req);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // Another client cannot see it, fetch it or cancel it.
  EXPECT_EQ(post_rpc(server, other, rpc(3, "tasks/get", {{"taskId", id}}))["error"]["code"], -32602);
  EXPECT_EQ(post_rpc(server, other, rpc(4, "tasks/result", {{"taskId", id}}))["error"]["code"], -32602);
  EXPECT_EQ(post_rpc(server, other, rpc(5, "tasks/cancel", {{"taskId", id}}))["error"]["code"], -32602);
  EXPECT_TRUE(post_rpc(server, other, rpc(6, "tasks/list"))["result"]["tasks"].empty());
  // Its own client, on a new connection, fetches the result once the task is done.
  auto fetched = post_rpc(server, owner, rpc(7, "tasks/result", {{"taskId", id}}));
  ASSERT_TRUE(fetched.contains("result")) << fetched;
  EXPECT_FALSE(fetched["result"].value("isError", false)) << fetched.dump().substr(0, 300);
  EXPECT_NE(all_text(fetched["result"]).find("finished in the background"), std::string::npos);
  EXPECT_EQ(post_rpc(server, owner, rpc(8, "tasks/list"))["result"]["tasks"].size(), 1u);
  // The client ends (DELETE): its tasks go with it.
  connection c(server.port());
  EXPECT_EQ(c.send(http::verb::delete_, "", {{"Mcp-Session-Id", owner}}).status, 200);
}

TEST(http_transport, stateless_tasks_are_created_polled_and_routed_by_their_headers) {
  http_server server{{"--model", "replay:" + slow_task_script(1), "--settle-ms", "0"}};
  auto with_extension = [](int id, const std::string& method, json params) {
    auto request = modern_request(id, method, std::move(params));
    request["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"]["extensions"]
           ["io.modelcontextprotocol/tasks"] = json::object();
    return request;
  };
  auto created = post_modern(server,
                             with_extension(1, "tools/call", {{"name", "run_cua_task"},
                                                              {"arguments", {{"task", "wait"}}}}),
                             modern_headers("tools/call", "run_cua_task"));
  ASSERT_EQ(created.status, 200) << created.body;
  auto task = json::parse(created.body)["result"];
  EXPECT_EQ(task["resultType"], "task") << created.body;
  auto id = task["taskId"].get<std::string>();
  // Mcp-Name names the task on tasks/get.
  auto misrouted = post_modern(server, with_extension(2, "tasks/get", {{"taskId", id}}),
                               modern_headers("tasks/get", "another-task"));
  EXPECT_EQ(misrouted.status, 400);
  EXPECT_EQ(misrouted.error()["error"]["code"], -32020);
  // Without the extension declared, the method is refused and says what is missing.
  auto undeclared = post_modern(server, modern_request(3, "tasks/get", {{"taskId", id}}),
                                modern_headers("tasks/get", id));
  EXPECT_EQ(undeclared.status, 400);
  EXPECT_EQ(undeclared.error()["error"]["code"], -32021);
  json got;
  for (int i = 0; i < 200; ++i) {
    auto a = post_modern(server, with_extension(4 + i, "tasks/get", {{"taskId", id}}),
                         modern_headers("tasks/get", id));
    ASSERT_EQ(a.status, 200) << a.body;
    got = json::parse(a.body)["result"];
    if (got["status"] != "working")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(got["status"], "completed") << got.dump().substr(0, 300);
  EXPECT_NE(all_text(got["result"]).find("finished in the background"), std::string::npos)
    << got.dump().substr(0, 300);
  // A 2025 client (its own MCP session) does not see the stateless principal's task.
  auto legacy = server.new_client();
  EXPECT_EQ(post_rpc(server, legacy, rpc(9, "tasks/get", {{"taskId", id}}))["error"]["code"], -32602);
}

TEST(http_transport, a_client_sees_and_reads_only_its_own_resources) {
  temp_dir dir{"cua-e2e-http-resources"};
  http_server server{{"--model", "replay:" + slow_task_script(0), "--settle-ms", "0",
                      "--trajectory-dir", dir.path.string()}};
  auto owner = server.new_client();
  auto other = server.new_client();
  ASSERT_EQ(server.call(owner, "run_cua_task", {{"task", "mine"}, {"session_id", "s1"}}).status, 200);
  auto mine = post_rpc(server, owner, rpc(2, "resources/list"))["result"]["resources"];
  std::vector<std::string> uris;
  for (const auto& r : mine)
    uris.push_back(r["uri"].get<std::string>());
  ASSERT_EQ(uris.size(), 3u) << mine; // the screen of s1, its task's record and steps
  EXPECT_EQ(uris[0], "cua://sessions/s1/screen");
  // The other client lists nothing, and reads or watches none of them.
  EXPECT_TRUE(post_rpc(server, other, rpc(3, "resources/list"))["result"]["resources"].empty());
  for (const auto& uri : uris) {
    EXPECT_EQ(post_rpc(server, other, rpc(4, "resources/read", {{"uri", uri}}))["error"]["code"], -32002) << uri;
    auto own = post_rpc(server, owner, rpc(5, "resources/read", {{"uri", uri}}));
    EXPECT_TRUE(own.contains("result")) << uri << ": " << own.dump().substr(0, 200);
  }
  EXPECT_EQ(post_rpc(server, other, rpc(6, "resources/subscribe", {{"uri", uris[0]}}))["error"]["code"], -32002);
  // A session of the same name is the other client's own.
  ASSERT_EQ(server.call(other, "computer", {{"action", "cursor_position"}, {"session_id", "s1"}}).status, 200);
  auto theirs = post_rpc(server, other, rpc(7, "resources/list"))["result"]["resources"];
  ASSERT_EQ(theirs.size(), 1u) << theirs;
  // Stateless: resources/read with Mcp-Name naming the resource.
  auto read = post_modern(server, modern_request(8, "resources/read", {{"uri", "cua://sessions/none/screen"}}),
                          modern_headers("resources/read", "cua://sessions/none/screen"));
  EXPECT_EQ(read.error()["error"]["code"], -32002) << read.body;
  auto misnamed = post_modern(server, modern_request(9, "resources/read", {{"uri", "cua://sessions/none/screen"}}),
                              modern_headers("resources/read", "cua://sessions/other/screen"));
  EXPECT_EQ(misnamed.status, 400);
  EXPECT_EQ(misnamed.error()["error"]["code"], -32020);
}
