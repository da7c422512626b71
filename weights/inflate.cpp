#include "weights/inflate.h"

#include <array>
#include <cstring>
#include <memory>

#include "weights/error.h"

namespace lsam {
namespace {

constexpr int kMaxBits = 15;  // longest Huffman code DEFLATE allows

constexpr uint16_t kLengthBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr uint16_t kDistBase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
// Order in which a dynamic block lists the code lengths of the code-length alphabet.
constexpr uint8_t kCodeLengthOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

// LSB-first bit stream. Past the end it feeds zero bytes and counts them, so the decoder can run without
// a bounds check per bit and report truncation once it has consumed any of that padding.
class BitReader {
 public:
  BitReader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}

  void refill() {
    while (count_ <= 56) {
      uint64_t byte = 0;
      if (p_ < end_)
        byte = *p_++;
      else
        ++padding_;
      buf_ |= byte << count_;
      count_ += 8;
    }
  }
  uint32_t peek(int n) const { return static_cast<uint32_t>(buf_ & ((uint64_t{1} << n) - 1)); }
  void consume(int n) {
    buf_ >>= n;
    count_ -= n;
  }
  uint32_t bits(int n) {
    refill();
    const uint32_t v = peek(n);
    consume(n);
    return v;
  }
  // True once a bit of padding has been consumed: the stream needed more input than it had.
  bool overrun() const { return static_cast<int64_t>(padding_) * 8 > count_; }

  // Drops the bits up to the next byte boundary and hands back the byte position for raw reading.
  const uint8_t* align_to_byte() {
    consume(count_ % 8);
    const size_t buffered = static_cast<size_t>(count_ / 8);
    const size_t real = buffered > padding_ ? buffered - padding_ : 0;
    p_ -= real;
    buf_ = 0;
    count_ = 0;
    padding_ = 0;
    return p_;
  }
  void resume_at(const uint8_t* p) { p_ = p; }
  const uint8_t* end() const { return end_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  uint64_t buf_ = 0;
  int count_ = 0;
  size_t padding_ = 0;
};

// Canonical Huffman code as a single lookup table indexed by the next `bits` input bits. Entries hold
// symbol << 4 | code length; 0 marks bit patterns no code starts with (incomplete codes are legal).
class Huffman {
 public:
  void build(const uint8_t* lengths, int n, const std::string& where, const char* what) {
    int count[kMaxBits + 1] = {};
    for (int s = 0; s < n; ++s) ++count[lengths[s]];
    count[0] = 0;
    int left = 1;
    bits_ = 0;
    for (int len = 1; len <= kMaxBits; ++len) {
      left = (left << 1) - count[len];
      if (left < 0) fail(where, std::string("deflate: over-subscribed ") + what + " code");
      if (count[len]) bits_ = len;
    }
    const size_t size = size_t{1} << bits_;
    std::memset(table_.data(), 0, size * sizeof(uint16_t));
    int next[kMaxBits + 2] = {};
    for (int len = 1; len <= kMaxBits; ++len) next[len + 1] = (next[len] + count[len]) << 1;
    for (int s = 0; s < n; ++s) {
      const int len = lengths[s];
      if (!len) continue;
      const uint32_t code = static_cast<uint32_t>(next[len]++);
      uint32_t rev = 0;  // codes are stored MSB-first in the LSB-first stream
      for (int i = 0; i < len; ++i) rev |= ((code >> i) & 1u) << (len - 1 - i);
      for (size_t i = rev; i < size; i += size_t{1} << len) table_[i] = static_cast<uint16_t>(s << 4 | len);
    }
  }

  int decode(BitReader& in, const std::string& where) const {
    in.refill();
    const uint16_t e = table_[in.peek(bits_)];
    if (e == 0) fail(where, "deflate: invalid Huffman code");
    in.consume(e & 15);
    return e >> 4;
  }

 private:
  std::array<uint16_t, size_t{1} << kMaxBits> table_{};
  int bits_ = 0;
};

class Inflater {
 public:
  Inflater(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size, const std::string& where)
      : in_(in, in_size), out_(out), out_size_(out_size), where_(where) {}

  void run() {
    bool last = false;
    while (!last) {
      last = in_.bits(1);
      switch (in_.bits(2)) {
        case 0: stored_block(); break;
        case 1: fixed_codes(); codes(); break;
        case 2: dynamic_codes(); codes(); break;
        default: fail(where_, "deflate: invalid block type 3");
      }
      if (in_.overrun()) truncated();
    }
    if (pos_ != out_size_)
      fail(where_, "deflate: stream ends after " + std::to_string(pos_) + " bytes, the zip directory declares " +
                       std::to_string(out_size_));
  }

 private:
  [[noreturn]] void truncated() { fail(where_, "deflate: compressed data is truncated"); }
  [[noreturn]] void too_long() {
    fail(where_, "deflate: output exceeds the declared size of " + std::to_string(out_size_) + " bytes");
  }

  void stored_block() {
    if (in_.overrun()) truncated();
    const uint8_t* p = in_.align_to_byte();
    if (in_.end() - p < 4) truncated();
    const uint32_t len = p[0] | p[1] << 8, nlen = p[2] | p[3] << 8;
    if ((len ^ 0xffffu) != nlen) fail(where_, "deflate: stored block length check failed");
    p += 4;
    if (static_cast<size_t>(in_.end() - p) < len) truncated();
    if (len > out_size_ - pos_) too_long();
    std::memcpy(out_ + pos_, p, len);
    pos_ += len;
    in_.resume_at(p + len);
  }

  void fixed_codes() {
    uint8_t lengths[288 + 32];
    std::memset(lengths, 8, 144);
    std::memset(lengths + 144, 9, 112);
    std::memset(lengths + 256, 7, 24);
    std::memset(lengths + 280, 8, 8);
    std::memset(lengths + 288, 5, 32);
    litlen_.build(lengths, 288, where_, "literal/length");
    dist_.build(lengths + 288, 32, where_, "distance");
  }

  void dynamic_codes() {
    const int nlen = static_cast<int>(in_.bits(5)) + 257, ndist = static_cast<int>(in_.bits(5)) + 1;
    const int ncode = static_cast<int>(in_.bits(4)) + 4;
    if (nlen > 286 || ndist > 30) fail(where_, "deflate: too many length or distance codes");
    uint8_t code_lengths[19] = {};
    for (int i = 0; i < ncode; ++i) code_lengths[kCodeLengthOrder[i]] = static_cast<uint8_t>(in_.bits(3));
    Huffman& lencode = litlen_;  // reused: the code-length code is only needed before the real ones
    lencode.build(code_lengths, 19, where_, "code length");

    uint8_t lengths[286 + 30] = {};
    int n = 0;
    while (n < nlen + ndist) {
      if (in_.overrun()) truncated();
      const int sym = lencode.decode(in_, where_);
      if (sym < 16) {
        lengths[n++] = static_cast<uint8_t>(sym);
        continue;
      }
      int repeat;
      uint8_t value = 0;
      if (sym == 16) {
        if (n == 0) fail(where_, "deflate: length repeat with no previous length");
        value = lengths[n - 1];
        repeat = 3 + static_cast<int>(in_.bits(2));
      } else if (sym == 17) {
        repeat = 3 + static_cast<int>(in_.bits(3));
      } else {
        repeat = 11 + static_cast<int>(in_.bits(7));
      }
      if (n + repeat > nlen + ndist) fail(where_, "deflate: code lengths overflow the alphabet");
      std::memset(lengths + n, value, static_cast<size_t>(repeat));
      n += repeat;
    }
    if (lengths[256] == 0) fail(where_, "deflate: block has no end-of-block code");
    litlen_.build(lengths, nlen, where_, "literal/length");
    dist_.build(lengths + nlen, ndist, where_, "distance");
  }

  void codes() {
    for (;;) {
      if (in_.overrun()) truncated();
      const int sym = litlen_.decode(in_, where_);
      if (sym < 256) {
        if (pos_ == out_size_) too_long();
        out_[pos_++] = static_cast<uint8_t>(sym);
        continue;
      }
      if (sym == 256) return;
      const int li = sym - 257;
      if (li >= 29) fail(where_, "deflate: invalid length symbol");
      const size_t len = kLengthBase[li] + in_.bits(kLengthExtra[li]);
      const int di = dist_.decode(in_, where_);
      if (di >= 30) fail(where_, "deflate: invalid distance symbol");
      const size_t dist = kDistBase[di] + in_.bits(kDistExtra[di]);
      if (dist > pos_) fail(where_, "deflate: distance reaches before the start of the output");
      if (len > out_size_ - pos_) too_long();
      uint8_t* dst = out_ + pos_;
      const uint8_t* src = dst - dist;
      for (size_t i = 0; i < len; ++i) dst[i] = src[i];  // forward copy: overlapping runs repeat
      pos_ += len;
    }
  }

  BitReader in_;
  uint8_t* out_;
  size_t out_size_;
  size_t pos_ = 0;
  const std::string& where_;
  Huffman litlen_, dist_;
};

}  // namespace

void inflate(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size, const std::string& where) {
  // Two 64 KiB lookup tables: on the heap rather than the caller's stack.
  std::make_unique<Inflater>(in, in_size, out, out_size, where)->run();
}

}  // namespace lsam
