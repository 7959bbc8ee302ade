// Fuzz target: the request canonicaliser and Authorization parser of the signer
// (src/api/signer.hpp), shared by the client and the simulator.
//
// The input is text, one field per line ("\n"; a missing line is empty), so a corpus file reads
// as the request it stands for:
//   1 method   2 path   3 query: name=value pairs joined by "&", %XY decoded (any byte)
//   4 host     5 x-date 6 user id   7 app id   8 app secret
//   9 an Authorization header value to parse   the rest: the body (may hold newlines)
//
// What must hold, beyond "no crash, no exception" (signer.hpp: none of these fails on input):
//  - the canonical request is the nine lines signer.hpp lays out, each equal to the function
//    that makes it; the canonical URI starts and ends in "/", holds only unreserved bytes, "/"
//    and %XY, and no "." or ".." segment; the query string does not depend on the pairs' order;
//  - uri_encode is reversible and its output is unreserved bytes and %XY only;
//  - the string to sign and the Authorization header have their documented forms, and the
//    header sign() writes parses back exactly when the app id is one parse_authorization takes;
//  - whatever parse_authorization accepts is exactly what authorization_header() writes.
#include "api/signer.hpp"
#include "fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace kda::api;
using Query = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view hex_upper = "0123456789ABCDEF";
constexpr std::string_view hex_lower = "0123456789abcdef";

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool is_lower_hex_digest(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of(hex_lower) == std::string_view::npos;
}

int hex_value(char c) {
  const auto at = std::string_view("0123456789ABCDEFabcdef").find(c);
  if (at == std::string_view::npos) return -1;
  return static_cast<int>(at < 16 ? at : at - 6);
}

// "%XY" → the byte; anything else as it is.
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The inverse of uri_encode for its own output; false when `encoded` is not of that form.
bool uri_decode_strict(std::string_view encoded, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (is_unreserved(c)) {
      out += c;
      continue;
    }
    if (c != '%' || i + 2 >= encoded.size() ||
        hex_upper.find(encoded[i + 1]) == std::string_view::npos ||
        hex_upper.find(encoded[i + 2]) == std::string_view::npos) {
      return false;
    }
    out += static_cast<char>(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2]));
    i += 2;
  }
  return true;
}

void check_uri_encode(std::string_view text) {
  std::string decoded;
  KDA_FUZZ_CHECK(uri_decode_strict(uri_encode(text), decoded),
                 "uri_encode writes unreserved bytes and %XY (uppercase) only");
  KDA_FUZZ_CHECK(decoded == text, "uri_encode is reversible");
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

Query parse_query(std::string_view line) {
  Query query;
  if (line.empty()) return query;
  for (const std::string_view pair : split(line, '&')) {
    const auto eq = pair.find('=');
    query.emplace_back(percent_decoded(pair.substr(0, eq)),
                       eq == std::string_view::npos ? std::string{} : percent_decoded(pair.substr(eq + 1)));
  }
  return query;
}

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

void check_canonical_uri(std::string_view path) {
  const std::string uri = canonical_uri(path);
  KDA_FUZZ_CHECK(uri.starts_with('/') && uri.ends_with('/'), "the canonical URI starts and ends in /");
  const std::string_view segments(uri.data() + 1, uri.size() - 1);
  for (const std::string_view segment : split(segments, '/')) {
    std::string decoded;
    KDA_FUZZ_CHECK(uri_decode_strict(segment, decoded), "a canonical segment is uri_encode()d");
    KDA_FUZZ_CHECK(segment != "." && segment != "..", "no dot segment is left");
  }
  if (!path.starts_with('/')) {
    KDA_FUZZ_CHECK(uri == canonical_uri("/" + std::string(path)),
                   "a path without its leading / signs as if it had one");
  }
}

void check_query(const Query& query) {
  const std::string text = canonical_query_string(query);
  Query reversed(query.rbegin(), query.rend());
  KDA_FUZZ_CHECK(canonical_query_string(reversed) == text, "the pairs' order does not matter");
  if (query.empty()) {
    KDA_FUZZ_CHECK(text.empty(), "no query, no query string");
    return;
  }
  const auto pairs = split(text, '&');
  KDA_FUZZ_CHECK(pairs.size() == query.size(), "one name=value per pair");
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    KDA_FUZZ_CHECK(std::count(pairs[i].begin(), pairs[i].end(), '=') == 1, "each pair has one =");
    if (i > 0) {
      const auto name_value = [](std::string_view pair) {
        const auto eq = pair.find('=');
        return std::pair{pair.substr(0, eq), pair.substr(eq + 1)};
      };
      KDA_FUZZ_CHECK(name_value(pairs[i - 1]) <= name_value(pairs[i]), "sorted by name, then value");
    }
  }
  for (const auto& [name, value] : query) {
    check_uri_encode(name);
    check_uri_encode(value);
  }
}

void check_canonical_request(const RequestToSign& request) {
  const std::string text = canonical_request(request);
  const auto lines = split(text, '\n');
  // The fields come from single input lines, so none of them adds a line of its own.
  KDA_FUZZ_CHECK(lines.size() == 9, "the canonical request has nine lines");
  std::string method = request.method;
  for (char& c : method) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  KDA_FUZZ_CHECK(lines[0] == method, "line 1: the method, upper-cased");
  KDA_FUZZ_CHECK(lines[1] == canonical_uri(request.path), "line 2: the canonical URI");
  KDA_FUZZ_CHECK(lines[2] == canonical_query_string(request.query), "line 3: the query string");
  KDA_FUZZ_CHECK(lines[3] == "host:" + std::string(trimmed(request.host)), "line 4: host, trimmed");
  KDA_FUZZ_CHECK(lines[4] == "x-date:" + std::string(trimmed(request.x_date)), "line 5: x-date");
  KDA_FUZZ_CHECK(lines[5] == "x-user-id:" + std::string(trimmed(request.user_id)), "line 6: x-user-id");
  KDA_FUZZ_CHECK(lines[6].empty(), "line 7: blank, after the headers");
  KDA_FUZZ_CHECK(lines[7] == signed_header_names, "line 8: the signed header names");
  KDA_FUZZ_CHECK(lines[8] == sha256_hex(request.body) && is_lower_hex_digest(lines[8]),
                 "line 9: the body's SHA-256, lowercase hex");

  const std::string hash = sha256_hex(text);
  KDA_FUZZ_CHECK(string_to_sign(text, request.x_date) == "HMAC-SHA256\n" + hash,
                 "the string to sign: algorithm, hash");
  KDA_FUZZ_CHECK(string_to_sign(text, request.x_date, {.date_line_in_string_to_sign = true}) ==
                     "HMAC-SHA256\n" + request.x_date + "\n" + hash,
                 "with the date line: algorithm, x-date, hash");
}

bool parseable_app_id(std::string_view app_id) {
  return !app_id.empty() && std::all_of(app_id.begin(), app_id.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c < 0x7F && c != ',';
  });
}

void check_sign(const RequestToSign& request, std::string_view app_id, std::string_view secret) {
  const std::string header = sign(request, app_id, secret);
  const std::string mac = signature(secret, string_to_sign(canonical_request(request), request.x_date));
  KDA_FUZZ_CHECK(is_lower_hex_digest(mac), "a signature is 64 lowercase hex digits");
  KDA_FUZZ_CHECK(header == authorization_header(app_id, mac), "sign() is the steps in one");
  const auto parsed = parse_authorization(header);
  if (parseable_app_id(app_id)) {
    KDA_FUZZ_CHECK(parsed.has_value(), "a header sign() writes parses back");
    KDA_FUZZ_CHECK(*parsed == (ParsedAuthorization{std::string(app_id), std::string(signed_header_names), mac}),
                   "and yields what was signed");
  } else {
    KDA_FUZZ_CHECK(!parsed.has_value(), "an app id with a space, comma or control byte is refused");
  }
}

void check_parse(std::string_view header) {
  const auto parsed = parse_authorization(header);
  if (!parsed) return;
  KDA_FUZZ_CHECK(parsed->signed_headers == signed_header_names, "SignedHeaders is the fixed list");
  KDA_FUZZ_CHECK(is_lower_hex_digest(parsed->signature), "a parsed signature is 64 lowercase hex");
  KDA_FUZZ_CHECK(authorization_header(parsed->app_id, parsed->signature) == header,
                 "parse_authorization accepts only the exact form authorization_header() writes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view fields[9];
  for (std::string_view& field : fields) {
    const auto end = input.find('\n');
    field = input.substr(0, end);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
  }
  RequestToSign request;
  request.method = fields[0];
  request.path = fields[1];
  request.query = parse_query(fields[2]);
  request.host = fields[3];
  request.x_date = fields[4];
  request.user_id = fields[5];
  request.body = input;

  check_uri_encode(request.path);
  check_canonical_uri(request.path);
  check_query(request.query);
  check_canonical_request(request);
  check_sign(request, fields[6], fields[7]);
  check_parse(fields[8]);
  return 0;
}
