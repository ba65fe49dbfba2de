;; Reactor counter: counts requests in a global and answers the count in decimal;
;; it does NOT declare reuse, so every request sees a fresh instance and answers 1.
(module
  (import "dispatch_emu" "response_head" (func $head (param i32 i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (data (i32.const 0) "content-type: text/plain\n")  ;; 25 bytes
  (func (export "fetch")
    (local $n i32) (local $at i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    ;; digits are written backwards, ending at 256
    (local.set $n (global.get $count))
    (local.set $at (i32.const 256))
    (loop $digits
      (local.set $at (i32.sub (local.get $at) (i32.const 1)))
      (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $n)))
    (call $head (i32.const 200) (i32.const 0) (i32.const 25))
    (call $write (local.get $at) (i32.sub (i32.const 256) (local.get $at)))))
