;; Reactor fail: logs two lines and returns error code 7 from fetch.
(module
  (import "dispatch_emu" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "first log line\nsecond log line")  ;; 30 bytes
  (func (export "fetch") (result i32)
    (call $log (i32.const 0) (i32.const 30))
    (i32.const 7)))
