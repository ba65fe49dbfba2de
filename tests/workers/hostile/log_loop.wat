;; Hostile reactor: logs one byte forever (the log cap drops the text; the calls go on).
(module
  (import "dispatch_emu" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "x")  ;; 1 bytes
  (func (export "fetch")
    (loop $forever
      (call $log (i32.const 0) (i32.const 1))
      (br $forever))))
