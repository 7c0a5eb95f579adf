#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace cua {

/// Set to true to abort a call under way (checked by libcurl's progress callback, so an abort takes
/// effect within a fraction of a second).
using cancel_flag = std::shared_ptr<std::atomic<bool>>;

struct http_request {
  std::string url;
  std::vector<std::string> headers; // "Name: value"
  std::string body;
  std::chrono::milliseconds timeout{120'000};
};

struct http_response {
  long status = 0;
  std::string body;
  std::optional<double> retry_after_s; // from a Retry-After header in seconds
};

/// Retries: how many, and the first backoff, doubled each time.
struct retry_policy {
  int retries = 3;
  std::chrono::milliseconds first_backoff{2'000};
};

/// POSTs `request` once (HTTPS with certificate verification). Returns the response whatever its
/// status, or an error for a failed transfer: model_failed naming what failed (timeout, refused
/// connection, TLS), or task_cancelled if `cancel` was set. Blocking: call it off the scheduler.
caf::expected<http_response> http_post(const http_request& request, const cancel_flag& cancel);

/// POSTs with retries on failed transfers, 429 and 5xx, waiting the backoff (or the server's
/// Retry-After) in between; `on_retry` hears why each retry happens. Returns the last response or
/// error.
caf::expected<http_response> http_post_with_retries(const http_request& request,
                                                    const retry_policy& policy,
                                                    const cancel_flag& cancel,
                                                    const std::function<void(const std::string&)>& on_retry);

} // namespace cua
