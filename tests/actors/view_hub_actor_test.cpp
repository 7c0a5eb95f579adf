#include "view/view_hub_actor.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "actors/audit_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tests/actors/deterministic.hpp"
#include "tests/support/computer_actions.hpp"
#include "tests/actors/recorded_exchange.hpp"
#include "tests/support/json_lines.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cua;
using namespace std::chrono_literals;
using nlohmann::json;
using test::recorded_exchange;

namespace {

class view_hub_actor_test : public test::deterministic {
protected:
  void SetUp() override { supervisor_ = sim_supervisor("replay:/dev/null"); }

  caf::actor make_hub(bool read_only = false, audit_api audit = {}) {
    view_config cfg;
    cfg.read_only = read_only;
    cfg.fps = 5;
    return own(sys().spawn(view_hub_actor, supervisor_, cfg, audit));
  }

  session_api open(const std::string& client, const std::string& id) {
    auto handle = ask<session_handle>(supervisor_, open_atom::value, client, id);
    run();
    EXPECT_TRUE(handle->value) << describe(handle->error);
    return handle->value ? handle->value->session : session_api{};
  }

  std::shared_ptr<recorded_exchange> send(caf::actor hub, const std::string& method,
                                          const std::string& path, const std::string& query = "",
                                          const std::string& body = "") {
    auto exchange = std::make_shared<recorded_exchange>(next_exchange_++);
    caf::anon_send(hub, view_atom::value,
                   http_view_request{exchange, method, path, query, body});
    run();
    return exchange;
  }

  /// Opens the events stream and returns the key of each session by its id.
  std::map<std::string, std::string> keys(caf::actor hub) {
    auto stream = send(hub, "GET", "/view/api/events");
    EXPECT_TRUE(stream->streaming);
    std::map<std::string, std::string> out;
    if (stream->events.empty())
      return out;
    for (const auto& s : stream->events.back()["sessions"])
      out[s["id"].get<std::string>()] = s["key"].get<std::string>();
    return out;
  }

  /// A real audit actor writing to `log`; stopped at the end of the test.
  audit_api audit_into(const std::filesystem::path& log, bool redact_text) {
    return own(sys().spawn(audit_actor, audit_config{log.string(), 1 << 20, redact_text}));
  }

  supervisor_api supervisor_;
  uint64_t next_exchange_ = 1;
};

computer_action click_at(int32_t x, int32_t y) {
  return test::action_at(action_kind::left_click, x, y);
}

} // namespace

TEST_F(view_hub_actor_test, the_stream_shows_every_session_without_the_clients_secret_id) {
  open("", "a");
  open("0123456789abcdef-client-secret", "b");
  auto hub = make_hub();
  auto stream = send(hub, "GET", "/view/api/events");
  ASSERT_TRUE(stream->streaming);
  ASSERT_EQ(stream->events.size(), 1u);
  auto overview = stream->events.back();
  ASSERT_EQ(overview["sessions"].size(), 2u);
  EXPECT_EQ(overview["pool"]["size"], 4);
  for (const auto& s : overview["sessions"]) {
    EXPECT_EQ(s["status"], "ready");
    EXPECT_EQ(s["backend"], "sim");
    EXPECT_FALSE(s["key"].get<std::string>().empty());
  }
  EXPECT_EQ(stream->events.back().dump().find("client-secret"), std::string::npos);
  EXPECT_NE(stream->events.back().dump().find("\"http 01234567\""), std::string::npos);
  // A new session shows up within a second; an unchanged picture is not sent again.
  open("", "c");
  advance(1s);
  ASSERT_EQ(stream->events.size(), 2u);
  EXPECT_EQ(stream->events.back()["sessions"].size(), 3u);
}

TEST_F(view_hub_actor_test, a_frame_request_waits_for_a_new_picture_of_its_own_screen) {
  auto a = open("", "a");
  auto b = open("", "b");
  auto hub = make_hub();
  auto key = keys(hub);
  auto first_a = send(hub, "GET", "/view/api/sessions/" + key["a"] + "/frame", "after=0");
  auto first_b = send(hub, "GET", "/view/api/sessions/" + key["b"] + "/frame", "after=0");
  ASSERT_EQ(first_a->status, 200) << first_a->body;
  EXPECT_EQ(first_a->content_type, "image/jpeg");
  EXPECT_EQ(first_a->header("X-Image-Width"), "1280");
  ASSERT_EQ(first_b->status, 200);
  auto seq_a = first_a->header("X-Frame");
  auto seq_b = first_b->header("X-Frame");
  // Nothing changed: the requests are held.
  auto next_a = send(hub, "GET", "/view/api/sessions/" + key["a"] + "/frame", "after=" + seq_a);
  auto next_b = send(hub, "GET", "/view/api/sessions/" + key["b"] + "/frame", "after=" + seq_b);
  advance(1s);
  EXPECT_FALSE(next_a->ended);
  EXPECT_FALSE(next_b->ended);
  // An action on a: its page gets the new picture within a frame interval; b's stays held.
  ask<action_outcome>(a, perform_atom::value, click_at(100, 100));
  run();
  advance(200ms);
  ASSERT_EQ(next_a->status, 200);
  EXPECT_EQ(std::stoull(next_a->header("X-Frame")), std::stoull(seq_a) + 1);
  EXPECT_FALSE(next_b->ended);
  // Held no longer than its bound: then 204, and the page asks again.
  advance(20s);
  EXPECT_EQ(next_b->status, 204);
}

TEST_F(view_hub_actor_test, an_operator_acts_only_on_a_paused_session) {
  open("", "a");
  auto hub = make_hub();
  auto key = keys(hub)["a"];
  auto base = "/view/api/sessions/" + key;
  auto click = json{{"action", "left_click"}, {"coordinate", {10, 10}}}.dump();
  auto early = send(hub, "POST", base + "/act", "", click);
  EXPECT_EQ(early->status, 409);
  EXPECT_NE(early->body.find("pause"), std::string::npos) << early->body;
  EXPECT_EQ(send(hub, "POST", base + "/pause")->status, 200);
  auto done = send(hub, "POST", base + "/act", "", click);
  EXPECT_EQ(done->status, 200) << done->body;
  auto outside = send(hub, "POST", base + "/act", "",
                      json{{"action", "left_click"}, {"coordinate", {99999, 10}}}.dump());
  EXPECT_EQ(outside->status, 400);
  EXPECT_NE(outside->body.find("outside"), std::string::npos) << outside->body;
  EXPECT_EQ(send(hub, "POST", base + "/act", "", "not json")->status, 400);
  EXPECT_EQ(send(hub, "POST", base + "/act", "", R"({"action":"wait","duration":1})")->status, 400);
  auto resumed = send(hub, "POST", base + "/resume");
  EXPECT_EQ(resumed->status, 200);
  EXPECT_EQ(json::parse(resumed->body)["paused"], false);
  EXPECT_EQ(send(hub, "POST", "/view/api/sessions/nope/pause")->status, 404);
  EXPECT_EQ(send(hub, "POST", base + "/explode")->status, 404);
  EXPECT_EQ(send(hub, "GET", base + "/pause")->status, 405);
  auto ended = send(hub, "POST", base + "/cleanup");
  EXPECT_EQ(ended->status, 200) << ended->body;
  EXPECT_EQ(json::parse(ended->body)["computer_returned"], true);
  advance(1s);
  EXPECT_EQ(send(hub, "GET", base + "/frame", "after=0")->status, 404);
}

TEST_F(view_hub_actor_test, a_read_only_view_watches_and_refuses_every_operation) {
  open("", "a");
  auto hub = make_hub(true);
  auto key = keys(hub)["a"];
  auto base = "/view/api/sessions/" + key;
  for (auto verb : {"pause", "resume", "act", "end-task", "cleanup"}) {
    auto refused = send(hub, "POST", base + "/" + verb, "", R"({"action":"left_click","coordinate":[1,1]})");
    EXPECT_EQ(refused->status, 403) << verb;
    EXPECT_NE(refused->body.find("--view-read-only"), std::string::npos);
  }
  EXPECT_EQ(send(hub, "GET", base + "/frame", "after=0")->status, 200);
  auto status = json::parse(send(hub, "GET", "/view/api/status")->body);
  EXPECT_EQ(status["read_only"], true);
}

TEST_F(view_hub_actor_test, every_operation_of_the_operator_is_in_the_audit_log) {
  test::temp_dir dir("view-audit");
  auto log = dir.path / "audit.jsonl";
  auto audit = audit_into(log, true);
  open("c0ffee00-1234", "a");
  auto hub = make_hub(false, audit);
  auto base = "/view/api/sessions/" + keys(hub)["a"];
  EXPECT_EQ(send(hub, "POST", base + "/pause")->status, 200);
  EXPECT_EQ(send(hub, "POST", base + "/act", "", R"({"action":"type","text":"secret words"})")->status,
            200);
  // A body cut short may still hold typed text: it is kept by its size only.
  EXPECT_EQ(send(hub, "POST", base + "/act", "", R"({"action":"type","text":"pw)")->status, 400);
  EXPECT_EQ(send(hub, "POST", base + "/resume")->status, 200);
  EXPECT_EQ(send(hub, "POST", base + "/act", "", R"({"action":"key","text":"Return"})")->status, 409);
  EXPECT_EQ(send(hub, "POST", "/view/api/sessions/nope/cleanup")->status, 404);
  EXPECT_EQ(send(hub, "POST", base + "/cleanup")->status, 200);
  auto frame = send(hub, "GET", base + "/frame", "after=0"); // looking is not an operation
  run();

  auto records = test::json_lines_of(log);
  ASSERT_EQ(records.size(), 7u) << test::read_whole_file(log);
  std::vector<std::string> operations, outcomes;
  for (const auto& r : records) {
    EXPECT_EQ(r["kind"], "operator_action") << r;
    EXPECT_EQ(r["client"], "live view") << r;
    EXPECT_TRUE(r.contains("time") && r.contains("duration_ms")) << r;
    operations.push_back(r["operation"]);
    outcomes.push_back(r["outcome"]);
  }
  EXPECT_EQ(operations, (std::vector<std::string>{"pause", "act", "act", "resume", "act", "cleanup",
                                                  "cleanup"}));
  EXPECT_EQ(outcomes,
            (std::vector<std::string>{"ok", "ok", "error", "ok", "error", "error", "ok"}));
  // Whose session: its id and its client's label, never the client's whole secret id.
  EXPECT_EQ(records[0]["session"], "a");
  EXPECT_EQ(records[0]["session_client"], "http c0ffee00");
  EXPECT_EQ(records[0].dump().find("c0ffee00-1234"), std::string::npos);
  // The action's arguments, typed text by its length only (--audit-redact-text).
  EXPECT_EQ(records[1]["arguments"]["action"], "type");
  EXPECT_EQ(records[1]["arguments"]["text"], "[12 characters]");
  EXPECT_EQ(records[2]["arguments"], json({{"body_bytes", 27}}));
  EXPECT_EQ(test::read_whole_file(log).find("\"pw"), std::string::npos);
  EXPECT_EQ(records[2]["status"], 400);
  EXPECT_EQ(records[4]["status"], 409); // no longer paused
  EXPECT_NE(records[4]["error"].get<std::string>().find("pause"), std::string::npos) << records[4];
  EXPECT_EQ(records[5]["session_key"], "nope");
  EXPECT_EQ(records[5]["status"], 404);
}

TEST_F(view_hub_actor_test, a_read_only_view_audits_the_refused_operations) {
  test::temp_dir dir("view-audit");
  auto log = dir.path / "audit.jsonl";
  open("", "a");
  auto hub = make_hub(true, audit_into(log, false));
  auto base = "/view/api/sessions/" + keys(hub)["a"];
  EXPECT_EQ(send(hub, "POST", base + "/pause")->status, 403);
  run();
  auto records = test::json_lines_of(log);
  ASSERT_EQ(records.size(), 1u);
  auto record = records[0];
  EXPECT_EQ(record["operation"], "pause");
  EXPECT_EQ(record["outcome"], "error");
  EXPECT_EQ(record["status"], 403);
  EXPECT_EQ(record["session_client"], "stdio");
}
