#pragma once

#include <functional>
#include <optional>
#include <string>

#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>
#include <nlohmann/json.hpp>

#include "messages/session_messages.hpp"
#include "messages/trajectory_messages.hpp"

namespace cua {

/// Where one client's resources come from: its sessions' screens (the supervisor) and its recorded
/// tasks (the recorder). A client sees only its own of either.
struct resource_sources {
  supervisor_api supervisor;
  trajectory_api recorder; // none: tasks are not recorded
  std::string client;
  caf::timespan timeout = std::chrono::seconds(10); // each question to the supervisor or recorder
};

namespace mcp {

/// What a resource URI names.
struct resource_uri {
  enum kind_t { screen, record, steps, screenshot } kind = screen;
  std::string owner; // the session id (screen) or the recording's folder
  std::string file;  // screenshot: its file name
};

/// Reads `uri` (cua://sessions/{id}/screen, cua://trajectories/{task},
/// cua://trajectories/{task}/steps, cua://trajectories/{task}/screenshots/{file}); nothing if it
/// is none of them.
std::optional<resource_uri> parse_resource_uri(const std::string& uri);

/// Returns the URI of a session's screen.
std::string screen_uri(const std::string& session_id);

/// Returns resources/templates/list's templates.
nlohmann::json resource_templates();

} // namespace mcp

/// Answers resources/list for `from`'s client on `self`: `done` gets the result ({resources}) or
/// why there is none.
void list_resources(caf::event_based_actor* self, const resource_sources& from,
                    std::function<void(caf::expected<nlohmann::json>)> done);

/// Answers resources/read of `uri`: `done` gets {contents: [...]} (text for JSON, a base64 blob for
/// images), or an error: invalid_arguments for a URI that names nothing of this client's.
void read_resource(caf::event_based_actor* self, const resource_sources& from,
                   const std::string& uri, std::function<void(caf::expected<nlohmann::json>)> done);

/// Takes a look at session `id`'s screen without counting as its activity: `done` gets the PNG.
void peek_screen(caf::event_based_actor* self, const resource_sources& from, const std::string& id,
                 std::function<void(caf::expected<encoded_image>)> done);

/// Asks session `id` (not as activity) whether its screen still shows picture `known`: `done` gets
/// the frame (unchanged, or the new picture's number and image).
void screen_frame_of(caf::event_based_actor* self, const resource_sources& from,
                     const std::string& id, uint64_t known,
                     std::function<void(caf::expected<screen_frame>)> done);

} // namespace cua
