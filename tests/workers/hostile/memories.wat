;; Hostile reactor: eight memories, each grown 1 MiB at a time to 119 MiB (1904 pages):
;; 952 MiB in all if nothing stops it. It answers 200 when every memory reached 119 MiB;
;; when a grow is refused first it logs and traps (as memhog does). All memories are
;; exported, so the runtime can see which one is at its cap. Every new MiB is written,
;; so the pages are really committed.
(module
  (import "dispatch_emu" "log" (func $log (param i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (memory $m1 (export "memory1") 0)
  (memory $m2 (export "memory2") 0)
  (memory $m3 (export "memory3") 0)
  (memory $m4 (export "memory4") 0)
  (memory $m5 (export "memory5") 0)
  (memory $m6 (export "memory6") 0)
  (memory $m7 (export "memory7") 0)
  (data (i32.const 0) "memory.grow refused")  ;; 19 bytes
  (data (i32.const 32) "all grown\n")  ;; 10 bytes
  (func $refused
    (call $log (i32.const 0) (i32.const 19))
    unreachable)
  (func (export "fetch")
    (block $done0
      (loop $more0
        (br_if $done0 (i32.ge_u (memory.size 0) (i32.const 1904)))
        (if (i32.eq (memory.grow 0 (i32.const 16)) (i32.const -1)) (then (call $refused)))
        (memory.fill 0 (i32.sub (i32.mul (memory.size 0) (i32.const 65536)) (i32.const 1048576)) (i32.const 1) (i32.const 1048576))
        (br $more0)))
    (block $done1
      (loop $more1
        (br_if $done1 (i32.ge_u (memory.size $m1) (i32.const 1904)))
        (if (i32.eq (memory.grow $m1 (i32.const 16)) (i32.const -1)) (then (call $refused)))
        (memory.fill $m1 (i32.sub (i32.mul (memory.size $m1) (i32.const 65536)) (i32.const 1048576)) (i32.const 1) (i32.const 1048576))
        (br $more1)))
    (block $done2
      (loop $more2
        (br_if $done2 (i32.ge_u (memory.size $m2) (i32.const 1904)))
        (if (i32.eq (memory.grow $m2 (i32.const 16)) (i32.const -1)) (then (call $refused)))
        (memory.fill $m2 (i32.sub (i32.mul (memory.size $m2) (i32.const 65536)) (i32.const 1048576)) (i32.const 1) (i32.const 1048576))
        (br $more2)))
    (block $done3
      (loop $more3
        (br_if $done3 (i32.ge_u (memory.size $m3) (i32.const 1904)))
        (if (i32.eq (memory.grow $m3 (i32.const 16)) (i32.const -1)) (then (call $refused)))
        (memory.fill $m3 (i32.sub (i32.mul (memory.size $m3) (i32.const 65536)) (i32.const 1048576)) (i32.const 1) (i32.const 1048576))
        (br $more3)))
    (block $done4
      (loop $more4
        (br_if $done4 (i32.ge_u (memory.size $m4) (i32.const 1904)))
        (if (i32.eq (memory.grow $m4 (i32.const 16)) (i32.const -1)) (then (call $refused)))
        (memory.fill $m4 (i32.sub (i32.mul (memory.size $m4) (i32.const 65536)) (i32.const 1048576)) (i32.const 1) (i32.const 1048576))
        (br $more4)))
    (block $done5
      (loop $more5
        (br_if $done5 (i32.ge_u (memory.size $m5) (i32.const 1904)))
        (if (i32.eq (memory.grow $m5 (i32.const 16)) (i32.const -1)) (then (call $refused)))
        (memory.fill $m5 (i32.sub (i32.mul (memory.size $m5) (i32.const 65536)) (i32.const 1048576)) (i32.const 1) (i32.const 1048576))
        (br $more5)))
    (block $done6
      (loop $more6
        (br_if $done6 (i32.ge_u (memory.size $m6) (i32.const 1904)))
        (if (i32.eq (memory.grow $m6 (i32.const 16)) (i32.const -1)) (then (call $refused)))
        (memory.fill $m6 (i32.sub (i32.mul (memory.size $m6) (i32.const 65536)) (i32.const 1048576)) (i32.const 1) (i32.const 1048576))
        (br $more6)))
    (block $done7
      (loop $more7
        (br_if $done7 (i32.ge_u (memory.size $m7) (i32.const 1904)))
        (if (i32.eq (memory.grow $m7 (i32.const 16)) (i32.const -1)) (then (call $refused)))
        (memory.fill $m7 (i32.sub (i32.mul (memory.size $m7) (i32.const 65536)) (i32.const 1048576)) (i32.const 1) (i32.const 1048576))
        (br $more7)))
    (call $write (i32.const 32) (i32.const 10))))
