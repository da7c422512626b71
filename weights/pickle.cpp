#include "weights/pickle.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "weights/byte_reader.h"
#include "weights/error.h"

namespace lsam {
namespace {

using Kind = Value::Kind;

constexpr size_t kMaxStack = size_t{1} << 20;
constexpr size_t kMaxMarks = size_t{1} << 16;
constexpr size_t kMaxMemo = size_t{1} << 22;

// Python 2 names that protocol 2 pickles use for Python 3 modules (pickle's fix_imports).
std::string python3_module(std::string module) {
  if (module == "__builtin__") return "builtins";
  if (module == "copy_reg") return "copyreg";
  return module;
}

class Machine {
 public:
  Machine(const uint8_t* data, size_t size, PickleHeap& heap, PickleHooks* hooks, const std::string& where)
      : in_(data, size, where + ": pickle"), heap_(heap), hooks_(hooks), where_(where + ": pickle") {}

  Value* run(size_t* consumed) {
    for (;;) {
      op_pos_ = in_.pos();
      op_ = in_.u8();
      if (op_ == '.') {  // STOP
        Value* result = pop();
        if (consumed) *consumed = in_.pos();
        return result;
      }
      step();
    }
  }

 private:
  [[noreturn]] void error(const std::string& problem) const {
    char op[8];
    std::snprintf(op, sizeof op, "0x%02x", op_);
    fail(where_, "opcode " + std::string(op) + " at byte " + std::to_string(op_pos_) + ": " + problem);
  }

  Value* make(Kind k) { return heap_.make(k, where_); }

  void push(Value* v) {
    if (stack_.size() >= kMaxStack) error("stack deeper than " + std::to_string(kMaxStack));
    heap_.charge(sizeof(Value*), where_);
    stack_.push_back(v);
  }
  size_t fence() const { return marks_.empty() ? 0 : marks_.back(); }
  Value* pop() {
    if (stack_.size() <= fence()) error("stack underflow");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value* top() {
    if (stack_.size() <= fence()) error("stack underflow");
    return stack_.back();
  }
  // Everything above the most recent MARK, which is removed.
  std::vector<Value*> pop_mark() {
    if (marks_.empty()) error("no MARK on the stack");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }

  Value* sequence(Kind k, std::vector<Value*> items) {
    Value* v = make(k);
    heap_.charge(items.size() * sizeof(Value*), where_);
    v->items = std::move(items);
    return v;
  }

  void add_entries(Value* target, const std::vector<Value*>& kv) {
    if (kv.size() % 2) error("odd number of items for dict entries");
    if (target->is(Kind::object)) return;  // contents of inert objects are not kept
    if (!target->is(Kind::dict)) error("setting items on " + describe(*target));
    heap_.charge(kv.size() / 2 * sizeof(target->entries[0]), where_);
    for (size_t i = 0; i < kv.size(); i += 2) target->entries.emplace_back(kv[i], kv[i + 1]);
  }

  void add_items(Value* target, const std::vector<Value*>& items) {
    if (target->is(Kind::object)) return;
    if (!target->is(Kind::list)) error("appending to " + describe(*target));
    heap_.charge(items.size() * sizeof(Value*), where_);
    target->items.insert(target->items.end(), items.begin(), items.end());
  }

  Value* text_value(Kind k, size_t len) {
    if (len > in_.remaining()) error("string of " + std::to_string(len) + " bytes runs past the end of the pickle");
    heap_.charge(len, where_);
    Value* v = make(k);
    v->text = std::string(in_.text(len));
    return v;
  }

  Value* integer(int64_t i) {
    Value* v = make(Kind::integer);
    v->integer = i;
    return v;
  }

  // LONG1/LONG4: little-endian two's complement of any length.
  Value* long_value(size_t n) {
    if (n > in_.remaining()) error("long of " + std::to_string(n) + " bytes runs past the end of the pickle");
    if (n > 8) return text_value(Kind::big_integer, n);
    const uint8_t* p = in_.take(n);
    uint64_t u = 0;
    for (size_t i = 0; i < n; ++i) u |= static_cast<uint64_t>(p[i]) << (8 * i);
    if (n > 0 && n < 8 && (p[n - 1] & 0x80)) u |= ~uint64_t{0} << (8 * n);  // sign-extend
    return integer(static_cast<int64_t>(u));
  }

  std::string line() {
    const uint8_t* start = in_.take(0);
    const void* newline = std::memchr(start, '\n', in_.remaining());
    if (!newline) error("unterminated text line");
    std::string s(in_.text(static_cast<size_t>(static_cast<const uint8_t*>(newline) - start)));
    in_.skip(1);
    return s;
  }

  Value* global(const std::string& module, const std::string& name) {
    heap_.charge(module.size() + name.size() + 1, where_);
    Value* v = make(Kind::global);
    v->text = python3_module(module) + "." + name;
    return v;
  }

  // REDUCE and NEWOBJ: known functions and constructors are evaluated, anything else becomes an inert
  // object remembering what was called with what.
  Value* call(Value* callable, Value* args) {
    if (!args->is(Kind::tuple)) error("call arguments are " + describe(*args) + ", not a tuple");
    if (callable->is(Kind::global)) {
      if (hooks_)
        if (Value* v = hooks_->call(heap_, callable->text, *args, where_)) return v;
      if (callable->text == "collections.OrderedDict") {
        Value* d = make(Kind::dict);
        if (!args->items.empty() && (args->items[0]->is(Kind::list) || args->items[0]->is(Kind::tuple)))
          for (Value* pair : args->items[0]->items) {
            if ((!pair->is(Kind::tuple) && !pair->is(Kind::list)) || pair->items.size() != 2)
              error("OrderedDict item is not a pair");
            add_entries(d, pair->items);
          }
        return d;
      }
      if (callable->text == "builtins.set" || callable->text == "builtins.frozenset") {
        Value* s = make(Kind::list);
        if (!args->items.empty() && (args->items[0]->is(Kind::list) || args->items[0]->is(Kind::tuple)))
          add_items(s, args->items[0]->items);
        return s;
      }
    }
    Value* obj = make(Kind::object);
    obj->text = callable->is(Kind::global) || callable->is(Kind::object) ? callable->text : "call of " + describe(*callable);
    heap_.charge(obj->text.size() + args->items.size() * sizeof(Value*), where_);
    obj->items = args->items;
    return obj;
  }

  void memo_put(uint64_t index) {
    Value* v = top();
    if (index >= kMaxMemo) error("memo index " + std::to_string(index) + " is too large");
    if (memo_.size() >= kMaxMemo) error("memo holds more than " + std::to_string(kMaxMemo) + " values");
    heap_.charge(2 * sizeof(void*) + sizeof(uint32_t), where_);
    memo_[static_cast<uint32_t>(index)] = v;
  }
  void memo_get(uint64_t index) {
    const auto it = memo_.find(static_cast<uint32_t>(index));
    if (index >= kMaxMemo || it == memo_.end()) error("memo index " + std::to_string(index) + " was never set");
    push(it->second);
  }

  void step() {
    switch (op_) {
      case 0x80: {  // PROTO
        const uint8_t v = in_.u8();
        if (v > 5) error("pickle protocol " + std::to_string(v) + " is newer than 5");
        return;
      }
      case 0x95: in_.skip(8); return;  // FRAME: a size hint, the data follows inline
      case '(':                        // MARK
        if (marks_.size() >= kMaxMarks) error("more than " + std::to_string(kMaxMarks) + " nested MARKs");
        marks_.push_back(stack_.size());
        return;
      case '0':  // POP: an empty frame pops its MARK instead, as CPython does
        if (stack_.size() > fence())
          stack_.pop_back();
        else if (!marks_.empty())
          marks_.pop_back();
        else
          error("stack underflow");
        return;
      case '1': pop_mark(); return;  // POP_MARK
      case '2': push(top()); return;  // DUP

      case 'N': push(make(Kind::none)); return;
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        Value* v = make(Kind::boolean);
        v->flag = op_ == 0x88;
        push(v);
        return;
      }
      case 'J': push(integer(static_cast<int32_t>(in_.u32()))); return;  // BININT
      case 'K': push(integer(in_.u8())); return;                         // BININT1
      case 'M': push(integer(in_.u16())); return;                        // BININT2
      case 0x8a: push(long_value(in_.u8())); return;                     // LONG1
      case 0x8b: {                                                       // LONG4
        const int32_t n = static_cast<int32_t>(in_.u32());
        if (n < 0) error("negative LONG4 length");
        push(long_value(static_cast<size_t>(n)));
        return;
      }
      case 'G': {  // BINFLOAT: big-endian IEEE double
        uint64_t bits = 0;
        const uint8_t* p = in_.take(8);
        for (int i = 0; i < 8; ++i) bits = bits << 8 | p[i];
        Value* v = make(Kind::real);
        v->real = std::bit_cast<double>(bits);
        push(v);
        return;
      }

      case 'X': push(text_value(Kind::string, in_.u32())); return;   // BINUNICODE
      case 0x8c: push(text_value(Kind::string, in_.u8())); return;   // SHORT_BINUNICODE
      case 0x8d: push(text_value(Kind::string, in_.u64())); return;  // BINUNICODE8
      case 'U': push(text_value(Kind::string, in_.u8())); return;    // SHORT_BINSTRING (Python 2 str)
      case 'T': {                                                     // BINSTRING
        const int32_t n = static_cast<int32_t>(in_.u32());
        if (n < 0) error("negative BINSTRING length");
        push(text_value(Kind::string, static_cast<size_t>(n)));
        return;
      }
      case 'C': push(text_value(Kind::bytes, in_.u8())); return;     // SHORT_BINBYTES
      case 'B': push(text_value(Kind::bytes, in_.u32())); return;    // BINBYTES
      case 0x8e:                                                      // BINBYTES8
      case 0x96: push(text_value(Kind::bytes, in_.u64())); return;   // BYTEARRAY8

      case ')': push(make(Kind::tuple)); return;  // EMPTY_TUPLE
      case ']': push(make(Kind::list)); return;   // EMPTY_LIST
      case '}': push(make(Kind::dict)); return;   // EMPTY_DICT
      case 0x8f: push(make(Kind::list)); return;  // EMPTY_SET: sets are lists here
      case 't': push(sequence(Kind::tuple, pop_mark())); return;  // TUPLE
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const size_t n = static_cast<size_t>(op_ - 0x84);
        std::vector<Value*> items(n);
        for (size_t i = n; i-- > 0;) items[i] = pop();
        push(sequence(Kind::tuple, std::move(items)));
        return;
      }
      case 'l': push(sequence(Kind::list, pop_mark())); return;     // LIST
      case 0x91: push(sequence(Kind::list, pop_mark())); return;    // FROZENSET
      case 'd': {                                                   // DICT
        const std::vector<Value*> kv = pop_mark();
        Value* d = make(Kind::dict);
        add_entries(d, kv);
        push(d);
        return;
      }
      case 'a': {  // APPEND
        Value* v = pop();
        add_items(top(), {v});
        return;
      }
      case 'e':  // APPENDS
      case 0x90: {  // ADDITEMS
        const std::vector<Value*> items = pop_mark();
        add_items(top(), items);
        return;
      }
      case 's': {  // SETITEM
        Value* v = pop();
        Value* k = pop();
        add_entries(top(), {k, v});
        return;
      }
      case 'u': {  // SETITEMS
        const std::vector<Value*> kv = pop_mark();
        add_entries(top(), kv);
        return;
      }

      case 'q': memo_put(in_.u8()); return;          // BINPUT
      case 'r': memo_put(in_.u32()); return;         // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); return;     // MEMOIZE
      case 'h': memo_get(in_.u8()); return;          // BINGET
      case 'j': memo_get(in_.u32()); return;         // LONG_BINGET

      case 'c': {  // GLOBAL "module\nname\n"
        const std::string module = line();
        const std::string name = line();
        push(global(module, name));
        return;
      }
      case 0x93: {  // STACK_GLOBAL
        Value* name = pop();
        Value* module = pop();
        if (!module->is(Kind::string) || !name->is(Kind::string)) error("STACK_GLOBAL needs two strings");
        push(global(module->text, name->text));
        return;
      }
      case 'R': {  // REDUCE
        Value* args = pop();
        Value* callable = pop();
        push(call(callable, args));
        return;
      }
      case 0x81: {  // NEWOBJ
        Value* args = pop();
        Value* cls = pop();
        push(call(cls, args));
        return;
      }
      case 0x92: {  // NEWOBJ_EX: keyword arguments are dropped with the call
        pop();
        Value* args = pop();
        Value* cls = pop();
        push(call(cls, args));
        return;
      }
      case 'b': {  // BUILD: only inert objects keep their state (OrderedDict's attributes are dropped)
        Value* state = pop();
        Value* obj = top();
        if (obj->is(Kind::object)) obj->state = state;
        return;
      }
      case 'Q': {  // BINPERSID
        Value* pid = pop();
        if (!hooks_) error("persistent id without a loader");
        push(hooks_->persistent_load(heap_, *pid, where_));
        return;
      }
      default: error("unsupported pickle opcode");
    }
  }

  ByteReader in_;
  PickleHeap& heap_;
  PickleHooks* hooks_;
  std::string where_;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, Value*> memo_;
  size_t op_pos_ = 0;
  uint8_t op_ = 0;
};

}  // namespace

Value* unpickle(const uint8_t* data, size_t size, PickleHeap& heap, PickleHooks* hooks, const std::string& where,
                size_t* consumed) {
  return Machine(data, size, heap, hooks, where).run(consumed);
}

}  // namespace lsam
