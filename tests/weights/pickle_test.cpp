#include <doctest/doctest.h>

#include <string>

#include "weights/error.h"
#include "weights/pickle.h"

namespace {

using lsam::Value;
using Kind = lsam::Value::Kind;

struct Run {
  lsam::PickleHeap heap{size_t{64} << 20};
  Value* operator()(const std::string& bytes) {
    return lsam::unpickle(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), heap, nullptr, "t.pkl");
  }
};

std::string error_of(const std::string& bytes, size_t budget = size_t{64} << 20) {
  lsam::PickleHeap heap(budget);
  try {
    lsam::unpickle(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), heap, nullptr, "t.pkl");
  } catch (const lsam::WeightsError& e) {
    return e.what();
  }
  return "";
}

// A pickle from a string literal, embedded NULs included.
template <size_t N> std::string P(const char (&s)[N]) { return std::string(s, N - 1); }

}  // namespace

TEST_CASE("pickle: scalars, strings and containers") {
  Run run;
  // {'a': 1, 'b': [None, -2, True, 300, 1.5], 'c': (b'xy', 'é')}, protocol 2 style
  const std::string p = P("\x80\x02}q\x00(X\x01\x00\x00\x00" "aK\x01X\x01\x00\x00\x00" "b]q\x01(NJ\xfe\xff\xff\xff\x88M,\x01"
                          "G?\xf8\x00\x00\x00\x00\x00\x00" "eX\x01\x00\x00\x00" "cC\x02xy\x8c\x02\xc3\xa9\x86u.");
  Value* v = run(p);
  REQUIRE(v->is(Kind::dict));
  REQUIRE(v->entries.size() == 3);
  CHECK(lsam::dict_get(*v, "a")->integer == 1);
  const Value* b = lsam::dict_get(*v, "b");
  REQUIRE(b->items.size() == 5);
  CHECK(b->items[0]->is(Kind::none));
  CHECK(b->items[1]->integer == -2);
  CHECK(b->items[2]->flag);
  CHECK(b->items[3]->integer == 300);
  CHECK(b->items[4]->real == 1.5);
  const Value* c = lsam::dict_get(*v, "c");
  REQUIRE(c->is(Kind::tuple));
  CHECK(c->items[0]->is(Kind::bytes));
  CHECK(c->items[0]->text == "xy");
  CHECK(c->items[1]->text == "\xc3\xa9");
}

TEST_CASE("pickle: longs, floats, memo sharing, cycles") {
  Run run;
  CHECK(run(P("\x80\x02\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80."))->integer == INT64_MIN);
  CHECK(run(P("\x80\x02\x8a\x01\xff."))->integer == -1);
  CHECK(run(P("\x80\x02\x8a\x00."))->integer == 0);
  Value* big = run(P("\x80\x02\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09."));
  CHECK(big->is(Kind::big_integer));
  CHECK(big->text.size() == 9);
  CHECK(run(P("\x80\x02G?\xf8\x00\x00\x00\x00\x00\x00."))->real == 1.5);
  // [x, x] where x = [] is memoized: both items are the same value
  Value* shared = run(P("\x80\x02](]q\x00h\x00" "e."));
  REQUIRE(shared->items.size() == 2);
  CHECK(shared->items[0] == shared->items[1]);
  // a list that contains itself
  Value* cycle = run(P("\x80\x02]q\x00h\x00" "a."));
  CHECK(cycle->items[0] == cycle);
  // protocol 4: FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL
  Value* g = run(P("\x80\x04\x95\x1b\x00\x00\x00\x00\x00\x00\x00\x8c\x0b" "collections\x94\x8c\x0bOrderedDict\x94\x93\x94."));
  CHECK(g->is(Kind::global));
  CHECK(g->text == "collections.OrderedDict");
}

TEST_CASE("pickle: globals are never executed") {
  Run run;
  // collections.OrderedDict() then SETITEMS -> a plain dict
  Value* d = run(P("\x80\x02" "ccollections\nOrderedDict\nq\x00)R(X\x01\x00\x00\x00kK\x07u."));
  REQUIRE(d->is(Kind::dict));
  CHECK(lsam::dict_get(*d, "k")->integer == 7);
  // __builtin__.set([1, 2]) -> a list
  Value* s = run(P("\x80\x02" "c__builtin__\nset\n](K\x01K\x02" "e\x85R."));
  REQUIRE(s->is(Kind::list));
  CHECK(s->items.size() == 2);
  // os.system('x') stays an inert object with its arguments; BUILD attaches state
  Value* o = run(P("\x80\x02" "cos\nsystem\nX\x01\x00\x00\x00x\x85R}b."));
  REQUIRE(o->is(Kind::object));
  CHECK(o->text == "os.system");
  REQUIRE(o->items.size() == 1);
  CHECK(o->items[0]->text == "x");
  REQUIRE(o->state != nullptr);
  CHECK(o->state->is(Kind::dict));
  // NEWOBJ on a class
  Value* n = run(P("\x80\x02" "cm\nC\n)\x81."));
  CHECK(n->is(Kind::object));
  CHECK(n->text == "m.C");
}

TEST_CASE("pickle: malformed input gives one clear error") {
  CHECK(error_of(P("\x80\x02R.")).find("stack underflow") != std::string::npos);
  CHECK(error_of(P("\x80\x02t.")).find("no MARK") != std::string::npos);
  CHECK(error_of(P("\x80\x02K\x01(\x85.")).find("stack underflow") != std::string::npos);  // TUPLE1 across a MARK
  CHECK(error_of(P("\x80\x02h\x05.")).find("never set") != std::string::npos);
  CHECK(error_of(P("\x80\x02X\xff\xff\xff\x7f")).find("runs past the end") != std::string::npos);
  CHECK(error_of(P("\x80\x06.")).find("protocol 6") != std::string::npos);
  CHECK(error_of(P("\x80\x02\xff.")).find("unsupported pickle opcode") != std::string::npos);
  CHECK(error_of(P("\x80\x02}K\x01" "a.")).find("appending to a dict") != std::string::npos);
  CHECK(error_of(P("\x80\x02K\x01")).find("truncated") != std::string::npos);
  CHECK(error_of(P("\x80\x02" "cos\nsys")).find("unterminated") != std::string::npos);
  CHECK(error_of(P("\x80\x02]NQ.")).find("persistent id without a loader") != std::string::npos);
  CHECK(error_of("\x80\x02" + std::string(70000, '(') + ".").find("nested MARKs") != std::string::npos);
  CHECK(error_of("\x80\x02" + std::string(100000, ']') + ".", 1 << 20).find("memory budget") != std::string::npos);
  CHECK(error_of(P("\x80\x02.")).find("t.pkl: pickle: opcode 0x2e at byte 2: stack underflow") != std::string::npos);
}
