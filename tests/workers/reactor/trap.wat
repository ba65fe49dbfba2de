;; Reactor trap: logs a line, then executes unreachable.
(module
  (import "dispatch_emu" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (global (export "dispatch_emu_reuse") i32 (i32.const 1))
  (data (i32.const 0) "about to trap")  ;; 13 bytes
  (func (export "fetch")
    (call $log (i32.const 0) (i32.const 13))
    unreachable))
