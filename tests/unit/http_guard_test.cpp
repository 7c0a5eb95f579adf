#include "transport/http_guard.hpp"

#include <gtest/gtest.h>

using namespace cua;

namespace {

http_options loopback(std::string token = {}) {
  http_options o;
  o.host = "127.0.0.1";
  o.port = 8765;
  o.auth_token = std::move(token);
  return o;
}

} // namespace

TEST(http_guard, loopback_hosts_on_our_port_pass_and_others_are_refused) {
  http_guard guard(loopback());
  for (const char* ok : {"127.0.0.1:8765", "localhost:8765", "LOCALHOST", "[::1]:8765", "127.0.0.1"})
    EXPECT_FALSE(guard.check_host(ok)) << ok;
  for (const char* bad : {"evil.example.com", "evil.example.com:8765", "127.0.0.1:9999", "",
                          "10.0.0.1:8765"})
    EXPECT_TRUE(guard.check_host(bad)) << bad;
}

TEST(http_guard, allowed_hosts_and_the_listening_address_pass) {
  auto o = loopback();
  o.host = "192.168.1.5";
  o.allowed_hosts = {"mcp.internal:8765"};
  http_guard guard(o);
  EXPECT_FALSE(guard.check_host("192.168.1.5:8765"));
  EXPECT_FALSE(guard.check_host("mcp.internal:8765"));
  EXPECT_TRUE(guard.check_host("mcp.internal:9000"));
}

TEST(http_guard, origins_pass_only_from_loopback_pages_or_the_allowed_list) {
  auto o = loopback();
  o.allowed_origins = {"https://app.example"};
  http_guard guard(o);
  EXPECT_FALSE(guard.check_origin("")); // not a browser
  EXPECT_FALSE(guard.check_origin("http://localhost:3000"));
  EXPECT_FALSE(guard.check_origin("http://127.0.0.1:8765"));
  EXPECT_FALSE(guard.check_origin("https://app.example"));
  auto refusal = guard.check_origin("http://evil.example.com");
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->find("--allowed-origins"), std::string::npos);
  EXPECT_TRUE(guard.check_origin("http://localhost.evil.example.com"));
  EXPECT_TRUE(guard.check_origin("null"));
}

TEST(http_guard, the_bearer_token_must_match_exactly) {
  http_guard open(loopback());
  EXPECT_TRUE(open.authorized(""));
  http_guard guard(loopback("s3cret-token"));
  EXPECT_TRUE(guard.authorized("Bearer s3cret-token"));
  EXPECT_TRUE(guard.authorized("bearer s3cret-token"));
  for (const char* bad : {"", "Bearer", "Bearer ", "Bearer s3cret-toke", "Bearer s3cret-tokenX",
                          "Basic s3cret-token", "s3cret-token", "Bearer S3CRET-TOKEN"})
    EXPECT_FALSE(guard.authorized(bad)) << bad;
}

TEST(http_guard, accept_headers_are_read_as_lists_with_wildcards) {
  EXPECT_TRUE(accepts("application/json, text/event-stream", "text/event-stream"));
  EXPECT_TRUE(accepts("text/event-stream;q=0.9,application/json", "application/json"));
  EXPECT_TRUE(accepts("*/*", "application/json"));
  EXPECT_TRUE(accepts("text/*", "text/event-stream"));
  EXPECT_FALSE(accepts("application/json", "text/event-stream"));
  EXPECT_FALSE(accepts("", "application/json"));
  EXPECT_FALSE(accepts("application/jsonx", "application/json"));
}

TEST(http_guard, each_client_token_stands_for_its_principal_and_the_operator_is_empty) {
  auto options = loopback("operator-token");
  options.client_tokens = {{"team-a-token", "team-a"}, {"team-b-token", "team-b"}};
  http_guard guard(options);
  EXPECT_EQ(guard.principal_of("Bearer operator-token"), std::string{});
  EXPECT_EQ(guard.principal_of("Bearer team-a-token"), std::string{"team-a"});
  EXPECT_EQ(guard.principal_of("bearer team-b-token"), std::string{"team-b"});
  EXPECT_FALSE(guard.principal_of("Bearer team-c-token"));
  EXPECT_FALSE(guard.principal_of(""));
  // Client tokens alone still ask for a token.
  auto teams_only = loopback();
  teams_only.client_tokens = {{"team-a-token", "team-a"}};
  http_guard teams(teams_only);
  EXPECT_TRUE(teams.wants_token());
  EXPECT_FALSE(teams.authorized(""));
  EXPECT_EQ(teams.principal_of("Bearer team-a-token"), std::string{"team-a"});
}
