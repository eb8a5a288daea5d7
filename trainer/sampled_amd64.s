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
#define AHEAD 8

// func sampledPanelAVX2(a, grad, gacc, inter *float64, h, aStride, gStride, stride int, start *int, rows int, cols *int32, vals *float64, inv, ss float64) float64
//
// Strides in bytes. Registers: SI the row of A, DI gacc, R8 inter, R9
// stride, R10 cols[k], R11 vals[k], R12 entries left in the row, R13 bytes
// of the whole 4-lane chunks of a row, R14 h in bytes (the offset of the C
// half), R15 start[i], BX the entry's B^T row, AX its C row, DX the offset
// in the row, CX the row prefetched, Y15 the tail mask, X13 inv, X12 ss,
// X14 the row's sum of squared residuals, Y0 the dot product then
// r = inv e broadcast, Y1 the tail's dot product. The row of G and the
// rows left live in their argument slots.
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
	ADDQ aStride+40(FP), SI
	MOVQ gStride+48(FP), AX
	ADDQ AX, grad+8(FP)
	ADDQ $8, R15
	DECQ rows+72(FP)
	JNZ row

done:
	VZEROUPPER
	VMOVSD X12, ret+112(FP)
	RET
