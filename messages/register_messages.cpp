#include "messages/register_messages.hpp"

#include <caf/actor_system_config.hpp>

#include "messages/agent_messages.hpp"
#include "messages/computer_messages.hpp"
#include "messages/errors.hpp"
#include "messages/outbound_line.hpp"
#include "messages/pool_messages.hpp"
#include "messages/session_messages.hpp"

namespace cua {

void register_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<image_format>("image_format");
  cfg.add_message_type<scroll_direction>("scroll_direction");
  cfg.add_message_type<computer_action>("computer_action");
  cfg.add_message_type<action_outcome>("action_outcome");
  cfg.add_message_type<encoded_image>("encoded_image");
  cfg.add_message_type<screen_frame>("screen_frame");
  cfg.add_message_type<computer_info>("computer_info");
  cfg.add_message_type<computer_api>("computer_api");
  cfg.add_message_type<computer_lease>("computer_lease");
  cfg.add_message_type<host_figures>("host_figures");
  cfg.add_message_type<std::vector<host_figures>>("std::vector<host_figures>");
  cfg.add_message_type<pool_stats>("pool_stats");
  cfg.add_message_type<session_handle>("session_handle");
  cfg.add_message_type<session_info>("session_info");
  cfg.add_message_type<std::vector<session_info>>("std::vector<session_info>");
  cfg.add_message_type<cleanup_report>("cleanup_report");
  cfg.add_message_type<stats_report>("stats_report");
  cfg.add_message_type<tool_output>("tool_output");
  cfg.add_message_type<model_action>("model_action");
  cfg.add_message_type<model_turn>("model_turn");
  cfg.add_message_type<agent_round>("agent_round");
  cfg.add_message_type<model_request>("model_request");
  cfg.add_message_type<task_progress>("task_progress");
  cfg.add_message_type<task_result>("task_result");
  cfg.add_message_type<outbound_line>("outbound_line");
  add_error_category(cfg);
}

} // namespace cua
