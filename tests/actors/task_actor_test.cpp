#include "actors/task_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tests/actors/deterministic.hpp"
#include "tests/actors/replay_file.hpp"

using namespace cua;
using namespace std::chrono_literals;

namespace {

/// Plays the session: records how the task ended and the progress it reported.
struct task_record {
  std::optional<task_result> result;
  caf::error error;
  std::vector<task_progress> progress;
  std::vector<task_progress> session_saw; // the same, as the session keeps it for the live view
};

class task_actor_test : public test::deterministic {
protected:
  void SetUp() override {
    auto c = std::shared_ptr<computer>(make_sim_computer("sim-t", backend_options{}));
    computer_ = own(sys().spawn(computer_actor, c));
    auto info = ask<computer_info>(computer_, start_atom::value);
    run();
    info_ = *info->value;
  }

  std::shared_ptr<task_record> run_task(const std::string& model, int32_t max_steps = 50) {
    auto record = std::make_shared<task_record>();
    auto session = own(sys().spawn([=](caf::event_based_actor*) -> caf::behavior {
      return {
        [=](task_done_atom, uint64_t, task_result& r) { record->result = std::move(r); },
        [=](task_done_atom, uint64_t, const caf::error& e) { record->error = e; },
        [=](progress_atom, const task_progress& p) { record->progress.push_back(p); },
        [=](progress_atom, uint64_t, const task_progress& p) { record->session_saw.push_back(p); },
      };
    }));
    task_setup setup;
    setup.id = 1;
    setup.task = "test";
    setup.session = caf::actor_cast<session_api>(session); // a task says task_done and progress to it
    setup.listener = session;
    setup.computer = computer_lease{computer_, info_};
    setup.settings.model = model;
    setup.settings.max_steps = max_steps;
    sys().spawn(task_actor, setup);
    run();
    return record;
  }

  computer_api computer_;
  computer_info info_;
};

} // namespace

TEST_F(task_actor_test, replays_actions_on_the_computer) {
  test::replay_file script(
    R"({"text":"clicking","actions":[{"action":"left_click","coordinate":[10,10]},{"action":"type","text":"hi"}]}
{"actions":[{"action":"cursor_position"}]}
{"text":"all done"}
)");
  auto before = ask<encoded_image>(computer_, screenshot_atom::value, image_format::png);
  run();
  auto record = run_task(script.model());
  ASSERT_TRUE(record->result) << describe(record->error);
  EXPECT_EQ(record->result->text, "all done");
  EXPECT_EQ(record->result->stop_reason, "completed");
  EXPECT_EQ(record->result->steps, 3);
  EXPECT_EQ(record->result->actions, 3);
  ASSERT_TRUE(record->result->has_screenshot);
  EXPECT_NE(record->result->final_screenshot.bytes, before->value->bytes);
  bool saw_click = false;
  for (const auto& p : record->progress)
    saw_click = saw_click || p.message.find("left_click (10, 10)") != std::string::npos;
  EXPECT_TRUE(saw_click);
  // The session hears every step too, the model's words marked as such.
  EXPECT_EQ(record->session_saw.size(), record->progress.size());
  ASSERT_FALSE(record->session_saw.empty());
  bool saw_words = false;
  for (const auto& p : record->session_saw)
    saw_words = saw_words || p.model_text == "clicking";
  EXPECT_TRUE(saw_words);
}

TEST_F(task_actor_test, stops_at_the_step_limit) {
  test::replay_file script(R"({"actions":[{"action":"screenshot"}]}
{"actions":[{"action":"screenshot"}]}
{"actions":[{"action":"screenshot"}]}
{"text":"never reached"}
)");
  auto record = run_task(script.model(), 2);
  ASSERT_TRUE(record->result) << describe(record->error);
  EXPECT_EQ(record->result->stop_reason, "step_limit");
  EXPECT_EQ(record->result->steps, 2);
  EXPECT_NE(record->result->text.find("--max-steps"), std::string::npos);
}

TEST_F(task_actor_test, a_bad_action_goes_back_to_the_model_and_the_task_goes_on) {
  test::replay_file script(R"({"actions":[{"action":"fly"},{"action":"left_click","coordinate":[99999,5]}]}
{"text":"recovered"}
)");
  auto record = run_task(script.model());
  ASSERT_TRUE(record->result) << describe(record->error);
  EXPECT_EQ(record->result->text, "recovered");
  EXPECT_EQ(record->result->actions, 1); // the out-of-screen click was tried, the unknown one not
}

TEST_F(task_actor_test, an_unusable_model_fails_the_task_clearly) {
  auto missing = run_task("replay:/nonexistent/script.jsonl");
  EXPECT_EQ(missing->error, errc::model_failed);
  EXPECT_NE(describe(missing->error).find("cannot open"), std::string::npos);
  auto unknown = run_task("nosuch/model");
  EXPECT_EQ(unknown->error, errc::model_failed);
  EXPECT_NE(describe(unknown->error).find("not available"), std::string::npos);
  test::replay_file short_script(R"({"actions":[{"action":"screenshot"}]})");
  auto ended = run_task(short_script.model());
  EXPECT_EQ(ended->error, errc::model_failed);
  EXPECT_NE(describe(ended->error).find("ended"), std::string::npos);
}

namespace {

// A simulated screen that reports the settling a real one would: one action settled after 84
// ms, the next still changing at a 1500 ms bound.
class settling_sim : public computer {
public:
  settling_sim() : inner_(make_sim_computer("sim-s", backend_options{})) {
  }
  caf::expected<computer_info> start() override { return inner_->start(); }
  caf::error capture_into(rgb_image& frame) override { return inner_->capture_into(frame); }
  caf::expected<action_outcome> perform(const computer_action& a) override { return inner_->perform(a); }
  settle_report settle() override { return ++settles_ % 2 == 1 ? settle_report{true, 84} : settle_report{false, 1500}; }
  caf::error reset() override { return inner_->reset(); }
  void destroy() override { inner_->destroy(); }

private:
  std::unique_ptr<computer> inner_;
  int settles_ = 0;
};

} // namespace

TEST_F(task_actor_test, each_step_says_how_its_screen_settled) {
  computer_ = own(sys().spawn(computer_actor, std::shared_ptr<computer>(new settling_sim)));
  auto info = ask<computer_info>(computer_, start_atom::value);
  run();
  info_ = *info->value;
  test::replay_file script(
    R"({"actions":[{"action":"left_click","coordinate":[10,10]},{"action":"type","text":"hi"},{"action":"cursor_position"}]}
{"text":"done"}
)");
  auto record = run_task(script.model());
  ASSERT_TRUE(record->result) << describe(record->error);
  std::vector<std::string> settling;
  for (const auto& p : record->progress)
    if (p.message.find("the screen") != std::string::npos)
      settling.push_back(p.message);
  // cursor_position does not act on the screen: nothing to settle.
  ASSERT_EQ(settling.size(), 2u);
  EXPECT_NE(settling[0].find("the screen settled after 84 ms"), std::string::npos) << settling[0];
  EXPECT_NE(settling[1].find("still changing after 1500 ms"), std::string::npos) << settling[1];
}
