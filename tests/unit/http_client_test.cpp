#include "agent/http_client.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "messages/errors.hpp"
#include "tests/support/fake_http_server.hpp"

using namespace cua;
using namespace std::chrono_literals;
using reply = test::fake_http_server::reply;

namespace {

http_request post_to(const test::fake_http_server& server, std::chrono::milliseconds timeout = 5s) {
  http_request r;
  r.url = server.url() + "/v1/messages";
  r.headers = {"content-type: application/json", "x-test: 1"};
  r.body = R"({"hello":"world"})";
  r.timeout = timeout;
  return r;
}

const retry_policy quick{3, 10ms};

} // namespace

TEST(http_client, posts_and_reads_the_reply) {
  test::fake_http_server server;
  server.script({200, R"({"ok":true})", {}});
  auto response = http_post(post_to(server), nullptr);
  ASSERT_TRUE(response) << describe(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"ok":true})");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/v1/messages");
  EXPECT_EQ(seen[0].headers["x-test"], "1");
  EXPECT_EQ(seen[0].body, R"({"hello":"world"})");
}

TEST(http_client, retries_5xx_429_and_dropped_connections_then_succeeds) {
  test::fake_http_server server;
  server.script({500, "{}", {}});
  server.script({429, "{}", {"Retry-After: 0"}});
  server.script({0, "", {}, reply::behaviour::drop});
  server.script({200, R"({"ok":1})", {}});
  std::vector<std::string> retries;
  auto response = http_post_with_retries(post_to(server), quick, nullptr,
                                         [&](const std::string& why) { retries.push_back(why); });
  ASSERT_TRUE(response) << describe(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(server.requests().size(), 4u);
  ASSERT_EQ(retries.size(), 3u);
  EXPECT_NE(retries[0].find("HTTP 500"), std::string::npos);
  EXPECT_NE(retries[1].find("HTTP 429"), std::string::npos);
  EXPECT_NE(retries[1].find("in 0 ms"), std::string::npos); // Retry-After wins over the backoff
}

TEST(http_client, gives_up_after_the_retries_and_does_not_retry_client_errors) {
  test::fake_http_server server;
  for (int i = 0; i < 4; ++i)
    server.script({503, R"({"error":{"message":"overloaded"}})", {}});
  auto response = http_post_with_retries(post_to(server), quick, nullptr, {});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(server.requests().size(), 4u);
  test::fake_http_server strict;
  strict.script({400, "{}", {}});
  auto bad = http_post_with_retries(post_to(strict), quick, nullptr, {});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(strict.requests().size(), 1u);
}

TEST(http_client, a_hanging_endpoint_times_out_clearly) {
  test::fake_http_server server;
  server.script({0, "", {}, reply::behaviour::hang});
  auto start = std::chrono::steady_clock::now();
  auto response = http_post(post_to(server, 300ms), nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error(), errc::model_failed);
  EXPECT_NE(describe(response.error()).find("no answer within"), std::string::npos);
}

TEST(http_client, a_cancelled_call_stops_at_once) {
  test::fake_http_server server;
  server.script({0, "", {}, reply::behaviour::hang});
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    cancel->store(true);
  });
  auto start = std::chrono::steady_clock::now();
  auto response = http_post_with_retries(post_to(server, 60s), quick, cancel, {});
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error(), errc::task_cancelled);
  EXPECT_LT(took, 2s);
  for (int i = 0; i < 50 && server.abandoned() == 0; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(server.abandoned(), 1); // the connection was closed, not left behind
}
