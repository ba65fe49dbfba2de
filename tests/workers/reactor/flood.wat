;; Reactor flood: a valid head, then 4 KiB body chunks forever.
(module
  (import "dispatch_emu" "response_head" (func $head (param i32 i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "content-type: text/plain\n")  ;; 25 bytes
  (func (export "fetch")
    (call $head (i32.const 200) (i32.const 0) (i32.const 25))
    (loop $forever
      (call $write (i32.const 4096) (i32.const 4096))
      (br $forever))))
