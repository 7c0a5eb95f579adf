#include "mcp/jsonrpc.hpp"
#include "util/json_text.hpp"

#include <gtest/gtest.h>

using namespace cua;
using nlohmann::json;

TEST(jsonrpc, classifies_a_request) {
  auto msg = jsonrpc::classify(json::parse(R"({"jsonrpc":"2.0","id":7,"method":"ping"})"));
  EXPECT_EQ(msg.type, jsonrpc::kind::request);
  EXPECT_EQ(msg.id, 7);
  EXPECT_EQ(msg.method, "ping");
}

TEST(jsonrpc, classifies_a_notification) {
  auto msg = jsonrpc::classify(
    json::parse(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})"));
  EXPECT_EQ(msg.type, jsonrpc::kind::notification);
  EXPECT_EQ(msg.params["requestId"], 1);
}

TEST(jsonrpc, classifies_responses) {
  auto ok = jsonrpc::classify(json::parse(R"({"jsonrpc":"2.0","id":"s-1","result":{}})"));
  EXPECT_EQ(ok.type, jsonrpc::kind::response);
  auto err = jsonrpc::classify(
    json::parse(R"({"jsonrpc":"2.0","id":"s-1","error":{"code":-1,"message":"no"}})"));
  EXPECT_EQ(err.type, jsonrpc::kind::response);
  EXPECT_EQ(err.error["message"], "no");
}

TEST(jsonrpc, rejects_bad_envelopes) {
  for (auto text : {R"([1])", R"({"id":1,"method":"ping"})", R"({"jsonrpc":"1.0","id":1,"method":"x"})",
                    R"({"jsonrpc":"2.0","id":null,"method":"x"})", R"({"jsonrpc":"2.0","id":1.5,"method":"x"})",
                    R"({"jsonrpc":"2.0","id":1,"method":5})", R"({"jsonrpc":"2.0","id":1})",
                    R"({"jsonrpc":"2.0","id":1,"result":1,"error":{}})",
                    R"({"jsonrpc":"2.0","id":1,"method":"x","params":3})"}) {
    auto msg = jsonrpc::classify(json::parse(text));
    EXPECT_EQ(msg.type, jsonrpc::kind::invalid) << text;
    EXPECT_FALSE(msg.problem.empty()) << text;
  }
}

TEST(jsonrpc, keeps_a_readable_id_on_invalid_messages) {
  auto msg = jsonrpc::classify(json::parse(R"({"jsonrpc":"2.0","id":"a","method":7})"));
  EXPECT_EQ(msg.type, jsonrpc::kind::invalid);
  EXPECT_EQ(msg.id, "a");
}

TEST(jsonrpc, builds_messages) {
  EXPECT_EQ(json_text(jsonrpc::make_result(1, json::object())),
            R"({"id":1,"jsonrpc":"2.0","result":{}})");
  auto err = jsonrpc::make_error(nullptr, jsonrpc::parse_error, "bad");
  EXPECT_TRUE(err["id"].is_null());
  EXPECT_EQ(err["error"]["code"], -32700);
  auto note = jsonrpc::make_notification("notifications/progress", {{"progress", 1}});
  EXPECT_FALSE(note.contains("id"));
}

TEST(jsonrpc, to_line_never_throws_on_invalid_utf8) {
  json value = std::string("bad \xff byte");
  auto line = json_text(value);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded());
}
