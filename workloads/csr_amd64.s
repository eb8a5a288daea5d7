//go:build !purego

#include "textflag.h"

// The AVX kernels of csrProducts (csr_kernel_amd64.go): gatherNAVX adds
// vals[t] times the N floats at x + cols[t] stride (bytes) to the N floats
// at d, for t = 0..n-1 in order, the sums in registers (Y0-Y3); scatterNAVX
// adds vals[t] times the N floats at x to the N floats at d + cols[t]
// stride, for t in order. Each lane is a multiply then an add, as the
// scalar loop's d += s x: no fused multiply-add, so the results are the
// scalar loop's bit for bit. Registers: DI d, SI x, R9 stride, R10 cols,
// R11 vals, CX entries left, AX the entry's row, Y8 vals[t] broadcast,
// Y9-Y12 products.

// func gather16AVX(d, x *float64, stride int, cols *int32, vals *float64, n int)
TEXT ·gather16AVX(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ stride+16(FP), R9
	MOVQ cols+24(FP), R10
	MOVQ vals+32(FP), R11
	MOVQ n+40(FP), CX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
	TESTQ CX, CX
	JZ gather16AVX_done
gather16AVX_loop:
	MOVLQSX (R10), AX
	IMULQ R9, AX
	ADDQ SI, AX
	VBROADCASTSD (R11), Y8
	VMULPD 0(AX), Y8, Y9
	VADDPD Y9, Y0, Y0
	VMULPD 32(AX), Y8, Y10
	VADDPD Y10, Y1, Y1
	VMULPD 64(AX), Y8, Y11
	VADDPD Y11, Y2, Y2
	VMULPD 96(AX), Y8, Y12
	VADDPD Y12, Y3, Y3
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ CX
	JNZ gather16AVX_loop
gather16AVX_done:
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VZEROUPPER
	RET

// func gather8AVX(d, x *float64, stride int, cols *int32, vals *float64, n int)
TEXT ·gather8AVX(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ stride+16(FP), R9
	MOVQ cols+24(FP), R10
	MOVQ vals+32(FP), R11
	MOVQ n+40(FP), CX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	TESTQ CX, CX
	JZ gather8AVX_done
gather8AVX_loop:
	MOVLQSX (R10), AX
	IMULQ R9, AX
	ADDQ SI, AX
	VBROADCASTSD (R11), Y8
	VMULPD 0(AX), Y8, Y9
	VADDPD Y9, Y0, Y0
	VMULPD 32(AX), Y8, Y10
	VADDPD Y10, Y1, Y1
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ CX
	JNZ gather8AVX_loop
gather8AVX_done:
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VZEROUPPER
	RET

// func gather4AVX(d, x *float64, stride int, cols *int32, vals *float64, n int)
TEXT ·gather4AVX(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ stride+16(FP), R9
	MOVQ cols+24(FP), R10
	MOVQ vals+32(FP), R11
	MOVQ n+40(FP), CX
	VMOVUPD 0(DI), Y0
	TESTQ CX, CX
	JZ gather4AVX_done
gather4AVX_loop:
	MOVLQSX (R10), AX
	IMULQ R9, AX
	ADDQ SI, AX
	VBROADCASTSD (R11), Y8
	VMULPD 0(AX), Y8, Y9
	VADDPD Y9, Y0, Y0
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ CX
	JNZ gather4AVX_loop
gather4AVX_done:
	VMOVUPD Y0, 0(DI)
	VZEROUPPER
	RET

// func scatter16AVX(d *float64, stride int, x *float64, cols *int32, vals *float64, n int)
TEXT ·scatter16AVX(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ stride+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ cols+24(FP), R10
	MOVQ vals+32(FP), R11
	MOVQ n+40(FP), CX
	VMOVUPD 0(SI), Y0
	VMOVUPD 32(SI), Y1
	VMOVUPD 64(SI), Y2
	VMOVUPD 96(SI), Y3
	TESTQ CX, CX
	JZ scatter16AVX_done
scatter16AVX_loop:
	MOVLQSX (R10), AX
	IMULQ R9, AX
	ADDQ DI, AX
	VBROADCASTSD (R11), Y8
	VMULPD Y0, Y8, Y9
	VADDPD 0(AX), Y9, Y9
	VMOVUPD Y9, 0(AX)
	VMULPD Y1, Y8, Y10
	VADDPD 32(AX), Y10, Y10
	VMOVUPD Y10, 32(AX)
	VMULPD Y2, Y8, Y11
	VADDPD 64(AX), Y11, Y11
	VMOVUPD Y11, 64(AX)
	VMULPD Y3, Y8, Y12
	VADDPD 96(AX), Y12, Y12
	VMOVUPD Y12, 96(AX)
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ CX
	JNZ scatter16AVX_loop
scatter16AVX_done:
	VZEROUPPER
	RET

// func scatter8AVX(d *float64, stride int, x *float64, cols *int32, vals *float64, n int)
TEXT ·scatter8AVX(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ stride+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ cols+24(FP), R10
	MOVQ vals+32(FP), R11
	MOVQ n+40(FP), CX
	VMOVUPD 0(SI), Y0
	VMOVUPD 32(SI), Y1
	TESTQ CX, CX
	JZ scatter8AVX_done
scatter8AVX_loop:
	MOVLQSX (R10), AX
	IMULQ R9, AX
	ADDQ DI, AX
	VBROADCASTSD (R11), Y8
	VMULPD Y0, Y8, Y9
	VADDPD 0(AX), Y9, Y9
	VMOVUPD Y9, 0(AX)
	VMULPD Y1, Y8, Y10
	VADDPD 32(AX), Y10, Y10
	VMOVUPD Y10, 32(AX)
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ CX
	JNZ scatter8AVX_loop
scatter8AVX_done:
	VZEROUPPER
	RET

// func scatter4AVX(d *float64, stride int, x *float64, cols *int32, vals *float64, n int)
TEXT ·scatter4AVX(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ stride+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ cols+24(FP), R10
	MOVQ vals+32(FP), R11
	MOVQ n+40(FP), CX
	VMOVUPD 0(SI), Y0
	TESTQ CX, CX
	JZ scatter4AVX_done
scatter4AVX_loop:
	MOVLQSX (R10), AX
	IMULQ R9, AX
	ADDQ DI, AX
	VBROADCASTSD (R11), Y8
	VMULPD Y0, Y8, Y9
	VADDPD 0(AX), Y9, Y9
	VMOVUPD Y9, 0(AX)
	ADDQ $4, R10
	ADDQ $8, R11
	DECQ CX
	JNZ scatter4AVX_loop
scatter4AVX_done:
	VZEROUPPER
	RET
