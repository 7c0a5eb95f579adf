#pragma once

#include <memory>

#include <caf/allowed_unsafe_message_type.hpp>

namespace cua {

/// The transport's question to an HTTP client when every client slot is taken and a new client
/// asks for one: will you give yours up? A client that holds nothing worth keeping ends and says
/// yes. Safe to answer from any thread, once; a request dropped unanswered (its client had already
/// ended) counts as no.
class slot_request {
public:
  virtual ~slot_request() = default;

  /// Answers: `yielded` when the client has ended and its slot is free.
  virtual void answer(bool yielded) = 0;
};

using slot_request_ptr = std::shared_ptr<slot_request>;

} // namespace cua

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cua::slot_request_ptr)
