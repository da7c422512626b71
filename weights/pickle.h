// A pickle virtual machine for the opcodes of protocols 2 to 5 that torch.save and the pickled Python
// objects around checkpoints use. Nothing is ever executed: a global is just its name; calling one
// (REDUCE, NEWOBJ) either goes to PickleHooks, which knows the torch rebuild functions, or yields an inert
// object that records the class name, the arguments and what BUILD later sets as its state.
// collections.OrderedDict and set/frozenset become plain dicts and lists.
//
// Bounds: every length is checked against the remaining input, the stack, the mark stack and the memo
// have fixed limits, and all values are charged to the PickleHeap's budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "weights/pickle_value.h"

namespace lsam {

class PickleHooks {
 public:
  virtual ~PickleHooks() = default;
  // BINPERSID: resolve a persistent id (torch: a storage).
  virtual Value* persistent_load(PickleHeap& heap, const Value& pid, const std::string& where) = 0;
  // REDUCE or NEWOBJ of global `name` with the `args` tuple; nullptr if the hook does not know `name`.
  virtual Value* call(PickleHeap& heap, const std::string& name, const Value& args, const std::string& where) = 0;
};

// Runs the pickle at the start of data[0, size) up to its STOP and returns the result. `consumed`, when
// given, receives the number of bytes read (several pickles may follow each other, as in legacy torch files).
Value* unpickle(const uint8_t* data, size_t size, PickleHeap& heap, PickleHooks* hooks, const std::string& where,
                size_t* consumed = nullptr);

}  // namespace lsam
