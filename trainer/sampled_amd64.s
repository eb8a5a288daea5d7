//go:build !purego

#include "textflag.h"

// tailMask holds, at offset 32 t, the VMASKMOVPD mask of the first t of
// four lanes (t = 0 is unused).
DATA ·tailMask+0(SB)/8, $0
DATA ·tailMask+8(SB)/8, $0
DATA ·tailMask+16(SB)/8, $0
DATA ·tailMask+24(SB)/8, $0
DATA ·tailMask+32(SB)/8, $-1
DATA ·tailMask+40(SB)/8, $0
DATA ·tailMask+48(SB)/8, $0
DATA ·tailMask+56(SB)/8, $0
DATA ·tailMask+64(SB)/8, $-1
DATA ·tailMask+72(SB)/8, $-1
DATA ·tailMask+80(SB)/8, $0
DATA ·tailMask+88(SB)/8, $0
DATA ·tailMask+96(SB)/8, $-1
DATA ·tailMask+104(SB)/8, $-1
DATA ·tailMask+112(SB)/8, $-1
DATA ·tailMask+120(SB)/8, $0
GLOBL ·tailMask(SB), RODATA|NOPTR, $128

// AHEAD is the prefetch distance in entries (sampledAhead in
// sampled_kernel_amd64.go; the column array is padded by as many).
#define AHEAD 16

// HSUM_RESIDUAL sums the lanes of Y0 (the dot product's partial sums,
// pairwise), forms e = that - v with v at (R11), adds e^2 to X14, and
// broadcasts r = inv e into Y0.
#define HSUM_RESIDUAL \
	VEXTRACTF128 $1, Y0, X11 \
	VADDPD X11, X0, X0 \
	VPERMILPD $1, X0, X11 \
	VADDSD X11, X0, X0 \
	VSUBSD (R11), X0, X0 \
	VFMADD231SD X0, X0, X14 \
	VMULSD X13, X0, X0 \
	VBROADCASTSD X0, Y0

// NEXT_ROW moves to the next row of A, of G and of the starts, and
// counts the rows left (setting the flags for JNZ).
#define NEXT_ROW \
	ADDQ aStride+40(FP), SI \
	MOVQ gStride+48(FP), AX \
	ADDQ AX, grad+8(FP) \
	ADDQ $8, R15 \
	DECQ rows+72(FP)

// func sampledPanelAVX2(a, grad, gacc, inter *float64, h, aStride, gStride, stride int, start *int, rows int, cols *int32, vals *float64, inv, ss float64) float64
//
// Strides in bytes. Two paths with the same arithmetic (the same fused
// multiply-adds in the same order): h = 4, 8, ..., 20 keeps the row of A
// and gacc in registers (rows1 .. rows5, one copy per h, C at a constant
// offset), any other h runs the loop at row with gacc in memory and a
// masked tail. Registers: SI the row of A, DI gacc, R8 inter, R9 stride,
// R10 cols[k], R11 vals[k], R12 entries left in the row, R13 bytes of the
// whole 4-lane chunks of a row, R14 h in bytes (the offset of the C half),
// R15 start[i], BX the entry's B^T row, AX its C row, DX the offset in the
// row, CX the row prefetched, Y15 the tail mask, X13 inv, X12 ss, X14 the
// row's sum of squared residuals, Y0 the dot product then r = inv e
// broadcast, Y1 the tail's dot product (rowsN: Y1 .. Y5 the row of A,
// Y6 .. Y10 gacc, Y11 scratch). The row of G and the rows left live in
// their argument slots.
TEXT ·sampledPanelAVX2(SB), NOSPLIT, $0-120
	MOVQ a+0(FP), SI
	MOVQ gacc+16(FP), DI
	MOVQ inter+24(FP), R8
	MOVQ h+32(FP), CX
	MOVQ stride+56(FP), R9
	MOVQ start+64(FP), R15
	MOVQ cols+80(FP), R10
	MOVQ vals+88(FP), R11
	VMOVSD inv+96(FP), X13
	VMOVSD ss+104(FP), X12
	MOVQ CX, R14
	SHLQ $3, R14
	MOVQ CX, R13
	ANDQ $-4, R13
	SHLQ $3, R13
	MOVQ CX, AX
	ANDQ $3, AX
	SHLQ $5, AX
	LEAQ ·tailMask(SB), DX
	VMOVDQU (DX)(AX*1), Y15
	CMPQ rows+72(FP), $0
	JEQ done
	// h = 4, 8, ..., 20: A[i,:] and gacc in registers (rows1 .. rows5).
	CMPQ R13, R14
	JNE row
	CMPQ R14, $32
	JEQ rows1
	CMPQ R14, $64
	JEQ rows2
	CMPQ R14, $96
	JEQ rows3
	CMPQ R14, $128
	JEQ rows4
	CMPQ R14, $160
	JEQ rows5

// row: any h, gacc in memory.
row:
	MOVQ 8(R15), R12
	SUBQ (R15), R12
	JEQ nextrow
	VXORPD Y0, Y0, Y0
	XORQ DX, DX
	CMPQ DX, R13
	JAE cleartail

clearloop:
	VMOVUPD Y0, (DI)(DX*1)
	ADDQ $32, DX
	CMPQ DX, R13
	JB clearloop

cleartail:
	CMPQ R13, R14
	JEQ cleared
	VMASKMOVPD Y0, Y15, (DI)(DX*1)

cleared:
	VXORPD X14, X14, X14

entry:
	MOVLQSX (AHEAD*4)(R10), CX
	IMULQ R9, CX
	ADDQ R8, CX
	PREFETCHT0 (CX)
	PREFETCHT0 64(CX)
	PREFETCHT0 128(CX)
	PREFETCHT0 192(CX)
	PREFETCHT0 256(CX)
	MOVLQSX (R10), AX
	IMULQ R9, AX
	LEAQ (R8)(AX*1), BX
	LEAQ (BX)(R14*1), AX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ DX, DX
	CMPQ DX, R13
	JAE dottail

dotloop:
	VMOVUPD (BX)(DX*1), Y2
	VFMADD231PD (SI)(DX*1), Y2, Y0
	ADDQ $32, DX
	CMPQ DX, R13
	JB dotloop

dottail:
	CMPQ R13, R14
	JEQ dotsum
	VMASKMOVPD (BX)(DX*1), Y15, Y2
	VMASKMOVPD (SI)(DX*1), Y15, Y3
	VFMADD231PD Y3, Y2, Y1

dotsum:
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VPERMILPD $1, X0, X1
	VADDSD X1, X0, X0
	VSUBSD (R11), X0, X0
	VFMADD231SD X0, X0, X14
	VMULSD X13, X0, X0
	VBROADCASTSD X0, Y0
	XORQ DX, DX
	CMPQ DX, R13
	JAE axtail

axloop:
	VMOVUPD (BX)(DX*1), Y2
	VFMADD213PD (DI)(DX*1), Y0, Y2
	VMOVUPD Y2, (DI)(DX*1)
	VMOVUPD (SI)(DX*1), Y3
	VFMADD213PD (AX)(DX*1), Y0, Y3
	VMOVUPD Y3, (AX)(DX*1)
	ADDQ $32, DX
	CMPQ DX, R13
	JB axloop

axtail:
	CMPQ R13, R14
	JEQ next
	VMASKMOVPD (BX)(DX*1), Y15, Y2
	VMASKMOVPD (DI)(DX*1), Y15, Y4
	VFMADD231PD Y2, Y0, Y4
	VMASKMOVPD Y4, Y15, (DI)(DX*1)
	VMASKMOVPD (SI)(DX*1), Y15, Y3
	VMASKMOVPD (AX)(DX*1), Y15, Y5
	VFMADD231PD Y3, Y0, Y5
	VMASKMOVPD Y5, Y15, (AX)(DX*1)

next:
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ R12
	JNZ entry

	// G[i,:] += gacc; ss += the row's sum.
	MOVQ grad+8(FP), BX
	XORQ DX, DX
	CMPQ DX, R13
	JAE gtail

gloop:
	VMOVUPD (BX)(DX*1), Y2
	VADDPD (DI)(DX*1), Y2, Y2
	VMOVUPD Y2, (BX)(DX*1)
	ADDQ $32, DX
	CMPQ DX, R13
	JB gloop

gtail:
	CMPQ R13, R14
	JEQ gdone
	VMASKMOVPD (BX)(DX*1), Y15, Y2
	VMASKMOVPD (DI)(DX*1), Y15, Y3
	VADDPD Y3, Y2, Y2
	VMASKMOVPD Y2, Y15, (BX)(DX*1)

gdone:
	VADDSD X14, X12, X12

nextrow:
	NEXT_ROW
	JNZ row
	JMP done

// rows1: h = 4; A[i,:] in Y1..Y1, gacc in Y6..Y6.
rows1:
	MOVQ 8(R15), R12
	SUBQ (R15), R12
	JEQ next1
	VMOVUPD 0(SI), Y1
	VXORPD Y6, Y6, Y6
	VXORPD X14, X14, X14

entry1:
	MOVLQSX (AHEAD*4)(R10), CX
	IMULQ R9, CX
	PREFETCHT0 0(CX)(R8*1)
	MOVLQSX (R10), BX
	IMULQ R9, BX
	ADDQ R8, BX
	VXORPD Y0, Y0, Y0
	VFMADD231PD 0(BX), Y1, Y0
	HSUM_RESIDUAL
	VFMADD231PD 0(BX), Y0, Y6
	VMOVUPD 32(BX), Y11
	VFMADD231PD Y1, Y0, Y11
	VMOVUPD Y11, 32(BX)
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ R12
	JNZ entry1
	MOVQ grad+8(FP), BX
	VADDPD 0(BX), Y6, Y6
	VMOVUPD Y6, 0(BX)
	VADDSD X14, X12, X12

next1:
	NEXT_ROW
	JNZ rows1
	JMP done

// rows2: h = 8; A[i,:] in Y1..Y2, gacc in Y6..Y7.
rows2:
	MOVQ 8(R15), R12
	SUBQ (R15), R12
	JEQ next2
	VMOVUPD 0(SI), Y1
	VMOVUPD 32(SI), Y2
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD X14, X14, X14

entry2:
	MOVLQSX (AHEAD*4)(R10), CX
	IMULQ R9, CX
	PREFETCHT0 0(CX)(R8*1)
	PREFETCHT0 64(CX)(R8*1)
	MOVLQSX (R10), BX
	IMULQ R9, BX
	ADDQ R8, BX
	VXORPD Y0, Y0, Y0
	VFMADD231PD 0(BX), Y1, Y0
	VFMADD231PD 32(BX), Y2, Y0
	HSUM_RESIDUAL
	VFMADD231PD 0(BX), Y0, Y6
	VFMADD231PD 32(BX), Y0, Y7
	VMOVUPD 64(BX), Y11
	VFMADD231PD Y1, Y0, Y11
	VMOVUPD Y11, 64(BX)
	VMOVUPD 96(BX), Y11
	VFMADD231PD Y2, Y0, Y11
	VMOVUPD Y11, 96(BX)
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ R12
	JNZ entry2
	MOVQ grad+8(FP), BX
	VADDPD 0(BX), Y6, Y6
	VMOVUPD Y6, 0(BX)
	VADDPD 32(BX), Y7, Y7
	VMOVUPD Y7, 32(BX)
	VADDSD X14, X12, X12

next2:
	NEXT_ROW
	JNZ rows2
	JMP done

// rows3: h = 12; A[i,:] in Y1..Y3, gacc in Y6..Y8.
rows3:
	MOVQ 8(R15), R12
	SUBQ (R15), R12
	JEQ next3
	VMOVUPD 0(SI), Y1
	VMOVUPD 32(SI), Y2
	VMOVUPD 64(SI), Y3
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD X14, X14, X14

entry3:
	MOVLQSX (AHEAD*4)(R10), CX
	IMULQ R9, CX
	PREFETCHT0 0(CX)(R8*1)
	PREFETCHT0 64(CX)(R8*1)
	PREFETCHT0 128(CX)(R8*1)
	MOVLQSX (R10), BX
	IMULQ R9, BX
	ADDQ R8, BX
	VXORPD Y0, Y0, Y0
	VFMADD231PD 0(BX), Y1, Y0
	VFMADD231PD 32(BX), Y2, Y0
	VFMADD231PD 64(BX), Y3, Y0
	HSUM_RESIDUAL
	VFMADD231PD 0(BX), Y0, Y6
	VFMADD231PD 32(BX), Y0, Y7
	VFMADD231PD 64(BX), Y0, Y8
	VMOVUPD 96(BX), Y11
	VFMADD231PD Y1, Y0, Y11
	VMOVUPD Y11, 96(BX)
	VMOVUPD 128(BX), Y11
	VFMADD231PD Y2, Y0, Y11
	VMOVUPD Y11, 128(BX)
	VMOVUPD 160(BX), Y11
	VFMADD231PD Y3, Y0, Y11
	VMOVUPD Y11, 160(BX)
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ R12
	JNZ entry3
	MOVQ grad+8(FP), BX
	VADDPD 0(BX), Y6, Y6
	VMOVUPD Y6, 0(BX)
	VADDPD 32(BX), Y7, Y7
	VMOVUPD Y7, 32(BX)
	VADDPD 64(BX), Y8, Y8
	VMOVUPD Y8, 64(BX)
	VADDSD X14, X12, X12

next3:
	NEXT_ROW
	JNZ rows3
	JMP done

// rows4: h = 16; A[i,:] in Y1..Y4, gacc in Y6..Y9.
rows4:
	MOVQ 8(R15), R12
	SUBQ (R15), R12
	JEQ next4
	VMOVUPD 0(SI), Y1
	VMOVUPD 32(SI), Y2
	VMOVUPD 64(SI), Y3
	VMOVUPD 96(SI), Y4
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD X14, X14, X14

entry4:
	MOVLQSX (AHEAD*4)(R10), CX
	IMULQ R9, CX
	PREFETCHT0 0(CX)(R8*1)
	PREFETCHT0 64(CX)(R8*1)
	PREFETCHT0 128(CX)(R8*1)
	PREFETCHT0 192(CX)(R8*1)
	MOVLQSX (R10), BX
	IMULQ R9, BX
	ADDQ R8, BX
	VXORPD Y0, Y0, Y0
	VFMADD231PD 0(BX), Y1, Y0
	VFMADD231PD 32(BX), Y2, Y0
	VFMADD231PD 64(BX), Y3, Y0
	VFMADD231PD 96(BX), Y4, Y0
	HSUM_RESIDUAL
	VFMADD231PD 0(BX), Y0, Y6
	VFMADD231PD 32(BX), Y0, Y7
	VFMADD231PD 64(BX), Y0, Y8
	VFMADD231PD 96(BX), Y0, Y9
	VMOVUPD 128(BX), Y11
	VFMADD231PD Y1, Y0, Y11
	VMOVUPD Y11, 128(BX)
	VMOVUPD 160(BX), Y11
	VFMADD231PD Y2, Y0, Y11
	VMOVUPD Y11, 160(BX)
	VMOVUPD 192(BX), Y11
	VFMADD231PD Y3, Y0, Y11
	VMOVUPD Y11, 192(BX)
	VMOVUPD 224(BX), Y11
	VFMADD231PD Y4, Y0, Y11
	VMOVUPD Y11, 224(BX)
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ R12
	JNZ entry4
	MOVQ grad+8(FP), BX
	VADDPD 0(BX), Y6, Y6
	VMOVUPD Y6, 0(BX)
	VADDPD 32(BX), Y7, Y7
	VMOVUPD Y7, 32(BX)
	VADDPD 64(BX), Y8, Y8
	VMOVUPD Y8, 64(BX)
	VADDPD 96(BX), Y9, Y9
	VMOVUPD Y9, 96(BX)
	VADDSD X14, X12, X12

next4:
	NEXT_ROW
	JNZ rows4
	JMP done

// rows5: h = 20; A[i,:] in Y1..Y5, gacc in Y6..Y10.
rows5:
	MOVQ 8(R15), R12
	SUBQ (R15), R12
	JEQ next5
	VMOVUPD 0(SI), Y1
	VMOVUPD 32(SI), Y2
	VMOVUPD 64(SI), Y3
	VMOVUPD 96(SI), Y4
	VMOVUPD 128(SI), Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD X14, X14, X14

entry5:
	MOVLQSX (AHEAD*4)(R10), CX
	IMULQ R9, CX
	PREFETCHT0 0(CX)(R8*1)
	PREFETCHT0 64(CX)(R8*1)
	PREFETCHT0 128(CX)(R8*1)
	PREFETCHT0 192(CX)(R8*1)
	PREFETCHT0 256(CX)(R8*1)
	MOVLQSX (R10), BX
	IMULQ R9, BX
	ADDQ R8, BX
	VXORPD Y0, Y0, Y0
	VFMADD231PD 0(BX), Y1, Y0
	VFMADD231PD 32(BX), Y2, Y0
	VFMADD231PD 64(BX), Y3, Y0
	VFMADD231PD 96(BX), Y4, Y0
	VFMADD231PD 128(BX), Y5, Y0
	HSUM_RESIDUAL
	VFMADD231PD 0(BX), Y0, Y6
	VFMADD231PD 32(BX), Y0, Y7
	VFMADD231PD 64(BX), Y0, Y8
	VFMADD231PD 96(BX), Y0, Y9
	VFMADD231PD 128(BX), Y0, Y10
	VMOVUPD 160(BX), Y11
	VFMADD231PD Y1, Y0, Y11
	VMOVUPD Y11, 160(BX)
	VMOVUPD 192(BX), Y11
	VFMADD231PD Y2, Y0, Y11
	VMOVUPD Y11, 192(BX)
	VMOVUPD 224(BX), Y11
	VFMADD231PD Y3, Y0, Y11
	VMOVUPD Y11, 224(BX)
	VMOVUPD 256(BX), Y11
	VFMADD231PD Y4, Y0, Y11
	VMOVUPD Y11, 256(BX)
	VMOVUPD 288(BX), Y11
	VFMADD231PD Y5, Y0, Y11
	VMOVUPD Y11, 288(BX)
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ R12
	JNZ entry5
	MOVQ grad+8(FP), BX
	VADDPD 0(BX), Y6, Y6
	VMOVUPD Y6, 0(BX)
	VADDPD 32(BX), Y7, Y7
	VMOVUPD Y7, 32(BX)
	VADDPD 64(BX), Y8, Y8
	VMOVUPD Y8, 64(BX)
	VADDPD 96(BX), Y9, Y9
	VMOVUPD Y9, 96(BX)
	VADDPD 128(BX), Y10, Y10
	VMOVUPD Y10, 128(BX)
	VADDSD X14, X12, X12

next5:
	NEXT_ROW
	JNZ rows5
	JMP done


done:
	VZEROUPPER
	VMOVSD X12, ret+112(FP)
	RET
