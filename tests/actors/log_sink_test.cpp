#include "mcp/log_sink.hpp"

#include <map>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "messages/atoms.hpp"
#include "tests/actors/deterministic.hpp"
#include "util/log_tag.hpp"

using namespace cua;

namespace {

using records = std::vector<std::string>; // "logger: text"

// Log records reach clients by the tag they carry (their logger), never by what their text says.
class log_sink_test : public test::deterministic {
protected:
  log_sink_test() {
    previous_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>(std::string{base_logger_name}, sink_);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }

  ~log_sink_test() override {
    sink_->detach_all();
    spdlog::set_default_logger(previous_);
  }

  // An actor that keeps what the sink sends it under `name`.
  caf::actor recorder(const std::string& name) {
    auto out = received_;
    return own(sys().spawn([out, name](caf::event_based_actor*) -> caf::behavior {
      return {[out, name](log_atom, int32_t, const std::string& logger, const std::string& text) {
        (*out)[name].push_back(logger + ": " + text);
      }};
    }));
  }

  records of(const std::string& name) { return (*received_)[name]; }

  std::shared_ptr<mcp_log_sink> sink_ = std::make_shared<mcp_log_sink>();
  std::shared_ptr<std::map<std::string, records>> received_
    = std::make_shared<std::map<std::string, records>>();
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(log_sink_test, each_http_client_reads_only_the_records_tagged_for_it) {
  sink_->attach(recorder("a"), "client-a");
  sink_->attach(recorder("b"), "client-b");
  sink_->attach(recorder("stdio"));
  tagged_logger(log_tag{"client-a", "s1"})->info("a's session s1");
  tagged_logger(log_tag{"client-b", {}})->info("b, naming client client-a in its text");
  spdlog::info("untagged");
  run();
  EXPECT_EQ(of("a"), records{"cua: a's session s1"});
  EXPECT_EQ(of("b"), records{"cua: b, naming client client-a in its text"});
  EXPECT_EQ(of("stdio"), (records{"cua: a's session s1", "cua: b, naming client client-a in its text",
                                  "cua: untagged"}));
  sink_->detach("client-a");
  tagged_logger(log_tag{"client-a", "s1"})->info("after a left");
  run();
  EXPECT_EQ(of("a").size(), 1u);
}

TEST_F(log_sink_test, a_call_watches_its_own_session_only_until_it_stops) {
  sink_->watch(recorder("call"), "k", log_tag{"client-a", "s1"});
  sink_->watch(recorder("stdio call"), "j", log_tag{{}, "s1"});
  tagged_logger(log_tag{"client-a", "s1"})->warn("mine");
  tagged_logger(log_tag{"client-a", "s2"})->warn("another session of the same client");
  tagged_logger(log_tag{"client-b", "s1"})->warn("another client's s1");
  tagged_logger(log_tag{{}, "s1"})->warn("the stdio client's s1");
  run();
  EXPECT_EQ(of("call"), records{"cua: mine"});
  EXPECT_EQ(of("stdio call"), records{"cua: the stdio client's s1"});
  sink_->unwatch("k");
  tagged_logger(log_tag{"client-a", "s1"})->warn("after the call ended");
  run();
  EXPECT_EQ(of("call").size(), 1u);
}

TEST(log_tag, survives_the_logger_name_whatever_the_session_id_holds) {
  // Session ids come from clients: spaces, the word "client", any character.
  for (const std::string& session : std::vector<std::string>{"", "s1", "a b (client x)", "odd\x1f" "id"}) {
    auto logger = tagged_logger(log_tag{"4f1c-uuid", session});
    auto tag = tag_of_logger(logger->name());
    EXPECT_EQ(tag.client, "4f1c-uuid");
    EXPECT_EQ(tag.session, session);
  }
  EXPECT_TRUE(tag_of_logger("cua").client.empty());
  EXPECT_EQ((log_tag{"c", "s"}.session_name()), "s (client c)");
  EXPECT_EQ((log_tag{{}, "s"}.session_name()), "s");
}

} // namespace
