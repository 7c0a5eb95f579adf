#include "benchmarks/response_outline.hpp"

#include <gtest/gtest.h>

using cua::bench::outline_of;

TEST(response_outline, reads_the_id_wherever_the_server_puts_it) {
  auto first = outline_of(R"({"id":12,"jsonrpc":"2.0","result":{"content":[{"type":"text","text":"{\"id\":99}"}]}})");
  ASSERT_TRUE(first.valid);
  EXPECT_EQ(first.id, 12);
  EXPECT_FALSE(first.failed);
  EXPECT_FALSE(first.has_method);
  // The SDK writes the id last; ids nested deeper are not the message's.
  auto last = outline_of(R"({"result":{"structuredContent":{"id":5},"content":[]},"jsonrpc":"2.0","id":13})");
  EXPECT_EQ(last.id, 13);
  EXPECT_FALSE(last.failed);
}

TEST(response_outline, tells_failures_requests_and_garbage) {
  EXPECT_TRUE(outline_of(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}})").failed);
  EXPECT_TRUE(outline_of(R"({"jsonrpc":"2.0","id":2,"result":{"isError":true,"content":[]}})").failed);
  // isError elsewhere than directly in the result does not count.
  EXPECT_FALSE(
    outline_of(R"({"jsonrpc":"2.0","id":3,"result":{"structuredContent":{"isError":true}}})").failed);
  auto notification = outline_of(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{}})");
  EXPECT_TRUE(notification.has_method);
  EXPECT_FALSE(notification.id);
  auto named = outline_of(R"({"jsonrpc":"2.0","id":"cua-1","method":"sampling/createMessage"})");
  EXPECT_TRUE(named.has_method);
  EXPECT_FALSE(named.id); // not a number: not one of the harness's requests
  EXPECT_FALSE(outline_of("not json").valid);
  EXPECT_FALSE(outline_of("[1,2]").valid);
}
