#pragma once
// Include first in a translation unit that defines boost::asio::awaitable coroutines.
// GCC 12 reports -Wmismatched-new-delete for Asio's coroutine frame allocator, a known false
// positive (awaitable_frame_base pairs its own operator new and delete).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
