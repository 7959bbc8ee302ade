// The canonical serialisation and hash of a chained row (docs/schema.md, "The hash chain"). The
// expected values were computed with Python's json.dumps(..., separators=(",", ":"),
// ensure_ascii=False) and hashlib.sha256, the recipe the documentation gives operators.
#include "store/chain_hash.hpp"

#include <gtest/gtest.h>

#include <array>

namespace kda::store {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

TEST(ChainHash, CanonicalColumnsEscapeLikePythonsJsonDumps) {
  // Quote, backslash, slash, the short escapes, other control characters (\u00xx, lowercase),
  // DEL and non-ASCII verbatim, a 4-byte UTF-8 character.
  const std::string text = "q\"b\\s/\b\f\n\r\t"s + std::string("\0\x01\x1f\x7f", 4) +
                           " \xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80";
  const std::array<ChainValue, 4> columns{std::int64_t{42}, std::monostate{}, std::string_view(text),
                                          std::int64_t{-7}};
  EXPECT_EQ(canonical_columns(columns),
            "[42,null,\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0000\\u0001\\u001f\x7f \xc3\xa9 "
            "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\",-7]");
  std::string prev;
  for (int i = 0; i < 32; ++i) prev += "ab";
  EXPECT_EQ(chain_hash(prev, columns),
            "51646bb46fb0cf297c016e094bab6e6db2637990c85680275c4c83163f4c9053");
}

TEST(ChainHash, AKnownEventRowHashesToItsFixedValueAndTheNextLinksToIt) {
  const std::string before =
      R"({"scope_id":"1842846715527366528","module_code":100,"local_path":"/Documents",)"
      R"("target_folder_path":"/backup/Documents","create_time":"2025-12-17T07:27:27.709Z"})";
  const std::string after =
      R"({"scope_id":"1842846715527366528","module_code":100,"local_path":"/Docs \"q\" \\ \n\t)"
      "\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
      R"(\u0001\u001f)"
      "\x7f"
      R"(","target_folder_path":"/backup/Documents","create_time":"2025-12-17T07:27:27.709Z"})";
  const std::array<ChainValue, 12> first{std::int64_t{7},
                                         "5b3e2a1c-9d4f-4e8a-b1c2-0f1e2d3c4b5a"sv,
                                         std::int64_t{3},
                                         "2026-11-23T07:00:00.000Z"sv,
                                         "scope.changed"sv,
                                         "1505084218764547200"sv,
                                         "1775406005920779393"sv,
                                         std::int64_t{100},
                                         "1842846715527366528"sv,
                                         std::string_view(before),
                                         std::string_view(after),
                                         std::monostate{}};
  const std::string first_hash = chain_hash(genesis_hash, first);
  EXPECT_EQ(first_hash, "33fa13f23225aae19007ea39ee052e77b9b02133d12d7e536b72163b97b103a6");

  const std::array<ChainValue, 12> second{
      std::int64_t{8},
      "0d9c1c7e-2b7a-4f39-9a57-1c1f5b8f6e21"sv,
      std::int64_t{3},
      "2026-11-23T07:00:00.000Z"sv,
      "device.removed"sv,
      "1505084218764547200"sv,
      "1842812272691451648"sv,
      std::monostate{},
      std::monostate{},
      R"({"device_id":"1842812272691451648","machine_code":"m2","device_name":"Phone","device_os":"android","create_time":"2025-12-17T06:19:01.803Z"})"sv,
      std::monostate{},
      std::monostate{}};
  EXPECT_EQ(chain_hash(first_hash, second),
            "04b6641a9d9ef82ad188df4b68759e293d5a6d143572df05376430800ab009de");
}

TEST(ChainHash, EveryColumnAndThePrevHashChangeTheHash) {
  const std::array<ChainValue, 3> row{std::int64_t{1}, "a"sv, std::monostate{}};
  const std::string hash = chain_hash(genesis_hash, row);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_NE(chain_hash(std::string(64, '1'), row), hash);
  EXPECT_NE(chain_hash(genesis_hash, std::array<ChainValue, 3>{std::int64_t{2}, "a"sv, std::monostate{}}), hash);
  EXPECT_NE(chain_hash(genesis_hash, std::array<ChainValue, 3>{std::int64_t{1}, "b"sv, std::monostate{}}), hash);
  // NULL, "" and the text "null" are three different values.
  EXPECT_NE(chain_hash(genesis_hash, std::array<ChainValue, 3>{std::int64_t{1}, "a"sv, ""sv}), hash);
  EXPECT_NE(chain_hash(genesis_hash, std::array<ChainValue, 3>{std::int64_t{1}, "a"sv, "null"sv}), hash);
  // The integer 1 and the text "1" differ.
  EXPECT_NE(chain_hash(genesis_hash, std::array<ChainValue, 3>{"1"sv, "a"sv, std::monostate{}}), hash);
}

}  // namespace
}  // namespace kda::store
