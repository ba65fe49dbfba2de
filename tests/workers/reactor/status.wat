;; Reactor status: answers a 500 itself; the runtime must pass it through untouched.
(module
  (import "dispatch_emu" "response_head" (func $head (param i32 i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "content-type: text/plain\nx-worker: status\n")  ;; 42 bytes
  (data (i32.const 64) "the worker chose to fail\n")                 ;; 25 bytes
  (func (export "fetch")
    (call $head (i32.const 500) (i32.const 0) (i32.const 42))
    (call $write (i32.const 64) (i32.const 25))))
