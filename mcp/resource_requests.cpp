#include "mcp/resource_requests.hpp"

#include <regex>

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "util/base64.hpp"

namespace cua {

namespace mcp {

namespace {

const std::string sessions_prefix = "cua://sessions/";
const std::string trajectories_prefix = "cua://trajectories/";

} // namespace

std::optional<resource_uri> parse_resource_uri(const std::string& uri) {
  static const std::regex screen{R"(cua://sessions/([^/]+)/screen)"};
  static const std::regex record{R"(cua://trajectories/([^/]+))"};
  static const std::regex steps{R"(cua://trajectories/([^/]+)/steps)"};
  static const std::regex screenshot{R"(cua://trajectories/([^/]+)/screenshots/([^/]+))"};
  std::smatch m;
  if (std::regex_match(uri, m, screen))
    return resource_uri{resource_uri::screen, m[1], {}};
  if (std::regex_match(uri, m, record))
    return resource_uri{resource_uri::record, m[1], {}};
  if (std::regex_match(uri, m, steps))
    return resource_uri{resource_uri::steps, m[1], {}};
  if (std::regex_match(uri, m, screenshot))
    return resource_uri{resource_uri::screenshot, m[1], m[2]};
  return std::nullopt;
}

std::string screen_uri(const std::string& session_id) {
  return sessions_prefix + session_id + "/screen";
}

nlohmann::json resource_templates() {
  return nlohmann::json::array({
    {{"uriTemplate", "cua://sessions/{session_id}/screen"},
     {"name", "session-screen"},
     {"title", "A session's screen"},
     {"description", "The live screen of one of your sessions, as a PNG (subscribe for changes)"},
     {"mimeType", "image/png"}},
    {{"uriTemplate", "cua://trajectories/{task_id}"},
     {"name", "trajectory"},
     {"title", "A recorded task"},
     {"description", "A task recorded with --trajectory-dir: the task, model, times, outcome"},
     {"mimeType", "application/json"}},
    {{"uriTemplate", "cua://trajectories/{task_id}/steps"},
     {"name", "trajectory-steps"},
     {"title", "A recorded task's steps"},
     {"description", "One JSON line per step: the model's text, its actions, their results"},
     {"mimeType", "application/jsonl"}},
    {{"uriTemplate", "cua://trajectories/{task_id}/screenshots/{file}"},
     {"name", "trajectory-screenshot"},
     {"title", "A recorded screenshot"},
     {"description", "A screenshot of a recorded step (file names as its steps list them)"},
     {"mimeType", "image/png"}},
  });
}

} // namespace mcp

namespace {

using nlohmann::json;
using done_fn = std::function<void(caf::expected<json>)>;

caf::error no_resource(const std::string& uri) {
  return make_error(errc::invalid_arguments, "no resource " + uri + " (unknown, or not yours)");
}

// Lists the client's recordings (none without a recorder), then calls `next` with them.
void with_recordings(caf::event_based_actor* self, const resource_sources& from,
                     std::function<void(json)> next) {
  if (!from.recorder) {
    next(json::array());
    return;
  }
  self->request(from.recorder, from.timeout, traj_list_atom::value, from.client)
    .then([=](const json& recordings) { next(recordings); },
          [=](caf::error&) { next(json::array()); });
}

} // namespace

void list_resources(caf::event_based_actor* self, const resource_sources& from, done_fn done) {
  self->request(from.supervisor, from.timeout, stats_atom::value, from.client)
    .then(
      [=](const stats_report& stats) {
        auto resources = json::array();
        for (const auto& session : stats.sessions)
          resources.push_back({{"uri", mcp::screen_uri(session.id)},
                               {"name", "screen-" + session.id},
                               {"title", "Screen of session " + session.id},
                               {"mimeType", "image/png"}});
        with_recordings(self, from, [=](json recordings) mutable {
          for (const auto& r : recordings) {
            auto folder = r.value("folder", "");
            auto base = "cua://trajectories/" + folder;
            auto title = "Task: " + r.value("task", "").substr(0, 80) + " (" + r.value("status", "") + ")";
            resources.push_back({{"uri", base}, {"name", folder}, {"title", title},
                                 {"mimeType", "application/json"}});
            resources.push_back({{"uri", base + "/steps"}, {"name", folder + "-steps"},
                                 {"title", "Steps of " + title}, {"mimeType", "application/jsonl"}});
          }
          done(json{{"resources", std::move(resources)}});
        });
      },
      [=](caf::error& err) { done(err); });
}

void peek_screen(caf::event_based_actor* self, const resource_sources& from, const std::string& id,
                 std::function<void(caf::expected<encoded_image>)> done) {
  auto timeout = from.timeout;
  self->request(from.supervisor, timeout, find_atom::value, from.client, id)
    .then(
      [=](const session_api& session) {
        self->request(session, timeout, peek_atom::value, image_format::png)
          .then([=](encoded_image& image) { done(std::move(image)); },
                [=](caf::error& err) { done(err); });
      },
      [=](caf::error& err) { done(err); });
}

void screen_frame_of(caf::event_based_actor* self, const resource_sources& from,
                     const std::string& id, uint64_t known,
                     std::function<void(caf::expected<screen_frame>)> done) {
  auto timeout = from.timeout;
  self->request(from.supervisor, timeout, find_atom::value, from.client, id)
    .then(
      [=](const session_api& session) {
        self->request(session, timeout, frame_atom::value, known)
          .then([=](screen_frame& frame) { done(std::move(frame)); },
                [=](caf::error& err) { done(err); });
      },
      [=](caf::error& err) { done(err); });
}

void read_resource(caf::event_based_actor* self, const resource_sources& from,
                   const std::string& uri, done_fn done) {
  auto target = mcp::parse_resource_uri(uri);
  if (!target) {
    done(no_resource(uri));
    return;
  }
  if (target->kind == mcp::resource_uri::screen) {
    peek_screen(self, from, target->owner, [=](caf::expected<encoded_image> image) {
      if (!image) {
        done(image.error() == errc::unknown_session ? no_resource(uri) : image.error());
        return;
      }
      done(json{{"contents", json::array({{{"uri", uri},
                                           {"mimeType", image->mime_type},
                                           {"blob", base64_encode(image->bytes)}}})}});
    });
    return;
  }
  if (!from.recorder) {
    done(no_resource(uri));
    return;
  }
  auto png = [](const std::string& name) {
    return name.size() > 4 && name.compare(name.size() - 4, 4, ".png") == 0;
  };
  if (target->kind == mcp::resource_uri::screenshot && !png(target->file)) {
    done(no_resource(uri)); // the record and the steps have URIs of their own
    return;
  }
  std::string file = target->kind == mcp::resource_uri::record  ? "task.json"
                     : target->kind == mcp::resource_uri::steps ? "steps.jsonl"
                                                                : target->file;
  auto kind = target->kind;
  self->request(from.recorder, from.timeout, traj_read_atom::value, from.client, target->owner, file)
    .then(
      [=](const std::string& bytes) {
        json content{{"uri", uri}};
        if (kind == mcp::resource_uri::screenshot) {
          content["mimeType"] = "image/png";
          content["blob"] = base64_encode(std::vector<uint8_t>(bytes.begin(), bytes.end()));
        } else {
          content["mimeType"] = kind == mcp::resource_uri::record ? "application/json"
                                                                  : "application/jsonl";
          content["text"] = bytes;
        }
        done(json{{"contents", json::array({std::move(content)})}});
      },
      [=](caf::error& err) {
        done(err == errc::invalid_arguments ? no_resource(uri) : err);
      });
}

} // namespace cua
