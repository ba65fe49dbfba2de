;; Reactor memhog: grows memory 1 MiB at a time; when a grow is refused, logs and traps.
(module
  (import "dispatch_emu" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "memory.grow refused")  ;; 19 bytes
  (func (export "fetch")
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    (call $log (i32.const 0) (i32.const 19))
    unreachable))
