#include "go_asm.h"
#include "textflag.h"

// The bytes masks64 tells apart, by a look in two tables of sixteen
// bytes, one indexed by a byte's low four bits and one by its high four:
// a byte is a space or one Quote leaves bare if its two entries have a
// bit in common. The high table gives bit h-2 to the rows 0x20 to 0x7f
// (h = 2 to 7) and nothing to the others (control bytes, bytes beyond
// ASCII); the low table has bit h-2 of entry l set if byte h<<4|l is a
// space or bare (TestMasks64 checks them against notSpacedPlain).
DATA lexLow<>+0x00(SB)/8, $0x3e3e3f3e3e3e3f2f
DATA lexLow<>+0x08(SB)/8, $0x1d151715153e3e3e
GLOBL lexLow<>(SB), RODATA|NOPTR, $16
DATA lexHigh<>+0x00(SB)/8, $0x2010080402010000
DATA lexHigh<>+0x08(SB)/8, $0x0000000000000000
GLOBL lexHigh<>(SB), RODATA|NOPTR, $16
DATA lexNibble<>+0x00(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA lexNibble<>+0x08(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL lexNibble<>(SB), RODATA|NOPTR, $16
DATA lexSpace<>+0x00(SB)/8, $0x2020202020202020
DATA lexSpace<>+0x08(SB)/8, $0x2020202020202020
GLOBL lexSpace<>(SB), RODATA|NOPTR, $16

// CLASSIFY sets R10 to the spaces and R11 to the bad bytes of the
// sixteen in X0 (bit k for byte k), using X1 to X4.
#define CLASSIFY \
	MOVO	X0, X1; \
	PSRLW	$4, X1; \
	PAND	X10, X1; \
	MOVO	X9, X3; \
	PSHUFB	X1, X3; \
	MOVO	X0, X2; \
	PAND	X10, X2; \
	MOVO	X8, X4; \
	PSHUFB	X2, X4; \
	PAND	X3, X4; \
	PCMPEQB	X12, X4; \
	PMOVMSKB	X4, R11; \
	PCMPEQB	X11, X0; \
	PMOVMSKB	X0, R10

// func masks64(s string) (spaces, bad uint64)
TEXT ·masks64(SB), NOSPLIT, $0-32
	MOVQ	s_base+0(FP), SI
	MOVQ	s_len+8(FP), BX
	MOVQ	$64, AX
	CMPQ	BX, AX
	CMOVQGT	AX, BX // BX: the bytes to read, 16 to 64
	MOVOU	lexLow<>(SB), X8
	MOVOU	lexHigh<>(SB), X9
	MOVOU	lexNibble<>(SB), X10
	MOVOU	lexSpace<>(SB), X11
	PXOR	X12, X12
	CMPQ	BX, $64
	JLT	short
	// sixty-four bytes: four times sixteen, without a loop
	MOVOU	(SI), X0
	CLASSIFY
	MOVQ	R10, R8
	MOVQ	R11, R9
	MOVOU	16(SI), X0
	CLASSIFY
	SHLQ	$16, R10
	SHLQ	$16, R11
	ORQ	R10, R8
	ORQ	R11, R9
	MOVOU	32(SI), X0
	CLASSIFY
	SHLQ	$32, R10
	SHLQ	$32, R11
	ORQ	R10, R8
	ORQ	R11, R9
	MOVOU	48(SI), X0
	CLASSIFY
	SHLQ	$48, R10
	SHLQ	$48, R11
	ORQ	R10, R8
	ORQ	R11, R9
	JMP	done
short:
	XORQ	R8, R8 // the spaces
	XORQ	R9, R9 // the bad bytes
	XORQ	DX, DX // the sixteen bytes from DX on
loop:
	LEAQ	16(DX), AX
	CMPQ	AX, BX
	JGT	last
	MOVOU	(SI)(DX*1), X0
	CLASSIFY
	MOVQ	DX, CX
	SHLQ	CX, R10
	SHLQ	CX, R11
	ORQ	R10, R8
	ORQ	R11, R9
	MOVQ	AX, DX
	JMP	loop
last:
	CMPQ	DX, BX
	JEQ	done
	// the bytes from DX to BX: the sixteen that end at BX, less the
	// 16-(BX-DX) of them read above
	MOVOU	-16(SI)(BX*1), X0
	CLASSIFY
	MOVQ	DX, CX
	SUBQ	BX, CX
	ADDQ	$16, CX
	SHRQ	CX, R10
	SHRQ	CX, R11
	MOVQ	DX, CX
	SHLQ	CX, R10
	SHLQ	CX, R11
	ORQ	R10, R8
	ORQ	R11, R9
done:
	MOVQ	R8, spaces+16(FP)
	MOVQ	R9, bad+24(FP)
	RET

// func hasSSSE3() bool
TEXT ·hasSSSE3(SB), NOSPLIT, $0-1
	MOVL	$1, AX
	XORL	CX, CX
	CPUID
	SHRL	$9, CX
	ANDL	$1, CX
	MOVB	CX, ret+0(FP)
	RET

DATA hintDash<>+0x00(SB)/8, $0x2d2d2d2d2d2d2d2d
DATA hintDash<>+0x08(SB)/8, $0x2d2d2d2d2d2d2d2d
GLOBL hintDash<>(SB), RODATA|NOPTR, $16
DATA hintM<>+0x00(SB)/8, $0x6d6d6d6d6d6d6d6d
DATA hintM<>+0x08(SB)/8, $0x6d6d6d6d6d6d6d6d
GLOBL hintM<>(SB), RODATA|NOPTR, $16
DATA hintP<>+0x00(SB)/8, $0x7070707070707070
DATA hintP<>+0x08(SB)/8, $0x7070707070707070
GLOBL hintP<>(SB), RODATA|NOPTR, $16
DATA hintJ<>+0x00(SB)/8, $0x6a6a6a6a6a6a6a6a
DATA hintJ<>+0x08(SB)/8, $0x6a6a6a6a6a6a6a6a
GLOBL hintJ<>(SB), RODATA|NOPTR, $16

// DASHOPTS sets R10 to the marks of the sixteen places from AX on, of
// the string at SI, using X0 to X5.
#define DASHOPTS \
	MOVOU	(SI)(AX*1), X0; \
	MOVOU	1(SI)(AX*1), X1; \
	MOVOU	2(SI)(AX*1), X2; \
	PCMPEQB	X8, X0; \
	MOVO	X1, X3; \
	PCMPEQB	X9, X3; \
	MOVO	X1, X4; \
	PCMPEQB	X10, X4; \
	PCMPEQB	X11, X1; \
	POR	X4, X3; \
	POR	X1, X3; \
	PAND	X3, X0; \
	MOVO	X2, X5; \
	PMINUB	X12, X5; \
	PCMPEQB	X2, X5; \
	PAND	X5, X0; \
	PMOVMSKB	X0, R10

// func dashOptions(s string) uint64
TEXT ·dashOptions(SB), NOSPLIT, $0-24
	MOVQ	s_base+0(FP), SI
	MOVQ	s_len+8(FP), BX
	SUBQ	$2, BX
	MOVQ	$64, AX
	CMPQ	BX, AX
	CMOVQGT	AX, BX // BX: the places to mark, 16 to 64
	MOVOU	hintDash<>(SB), X8
	MOVOU	hintM<>(SB), X9
	MOVOU	hintP<>(SB), X10
	MOVOU	hintJ<>(SB), X11
	MOVOU	lexSpace<>(SB), X12
	CMPQ	BX, $64
	JLT	dshort
	// sixty-four places: four times sixteen, without a loop
	XORQ	AX, AX
	DASHOPTS
	MOVQ	R10, R8
	MOVQ	$16, AX
	DASHOPTS
	SHLQ	$16, R10
	ORQ	R10, R8
	MOVQ	$32, AX
	DASHOPTS
	SHLQ	$32, R10
	ORQ	R10, R8
	MOVQ	$48, AX
	DASHOPTS
	SHLQ	$48, R10
	ORQ	R10, R8
	JMP	ddone
dshort:
	XORQ	R8, R8 // the marks
	XORQ	DX, DX // the sixteen places from DX on
dloop:
	LEAQ	16(DX), CX
	CMPQ	CX, BX
	JGT	dlast
	MOVQ	DX, AX
	DASHOPTS
	MOVQ	DX, CX
	SHLQ	CX, R10
	ORQ	R10, R8
	ADDQ	$16, DX
	JMP	dloop
dlast:
	CMPQ	DX, BX
	JEQ	ddone
	// the places from DX to BX: the sixteen that end at BX, less the
	// 16-(BX-DX) of them marked above
	LEAQ	-16(BX), AX
	DASHOPTS
	MOVQ	DX, CX
	SUBQ	BX, CX
	ADDQ	$16, CX
	SHRQ	CX, R10
	MOVQ	DX, CX
	SHLQ	CX, R10
	ORQ	R10, R8
ddone:
	MOVQ	R8, ret+16(FP)
	RET

DATA dqDots<>+0x00(SB)/8, $0x2e2e2e2e2e2e2e2e
DATA dqDots<>+0x08(SB)/8, $0x2e2e2e2e2e2e2e2e
GLOBL dqDots<>(SB), RODATA|NOPTR, $16
DATA dqZeros<>+0x00(SB)/8, $0x3030303030303030
DATA dqZeros<>+0x08(SB)/8, $0x3030303030303030
GLOBL dqZeros<>(SB), RODATA|NOPTR, $16
DATA dqNines<>+0x00(SB)/8, $0x0909090909090909
DATA dqNines<>+0x08(SB)/8, $0x0909090909090909
GLOBL dqNines<>(SB), RODATA|NOPTR, $16
// 100, 10, 1 and 0 for the bytes of each field
DATA dqWeights<>+0x00(SB)/8, $0x00010a6400010a64
DATA dqWeights<>+0x08(SB)/8, $0x00010a6400010a64
GLOBL dqWeights<>(SB), RODATA|NOPTR, $16

// func dottedQuad32(s string) (uint32, bool)
TEXT ·dottedQuad32(SB), NOSPLIT, $0-21
	CMPB	·haveMasks(SB), $0
	JEQ	words
	MOVQ	s_base+0(FP), SI
	MOVQ	s_len+8(FP), CX
	LEAQ	-7(CX), AX
	CMPQ	AX, $8
	JHI	words // not 7 to 15 bytes
	MOVL	SI, AX
	ANDL	$4095, AX
	CMPL	AX, $(4096-16)
	JHI	words // sixteen bytes would cross into the next page
	JMP	·dottedQuad16(SB)
words:
	JMP	·dottedQuadWords(SB)

// func dottedQuad16(s string) (uint32, bool)
TEXT ·dottedQuad16(SB), NOSPLIT, $0-21
	MOVQ	s_base+0(FP), SI
	MOVQ	s_len+8(FP), CX
	MOVOU	(SI), X0
	MOVL	$1, DX
	SHLL	CX, DX // the end: bit len(s)
	LEAL	-1(DX), BX // the bytes of s
	MOVOU	dqDots<>(SB), X1
	PCMPEQB	X0, X1
	PMOVMSKB	X1, AX
	ANDL	BX, AX // the dots
	MOVOU	dqZeros<>(SB), X2
	PSUBB	X2, X0 // the digits' values
	MOVOU	dqNines<>(SB), X3
	PMINUB	X0, X3
	PCMPEQB	X0, X3
	PMOVMSKB	X3, R8 // the digits
	ORL	AX, R8
	ANDL	BX, R8
	CMPL	R8, BX
	JNE	fail
	ORL	AX, DX // the key
	MOVL	$const_dqMul, R8
	IMULL	DX, R8
	SHRL	$24, R8
	LEAQ	·dqSlots(SB), R9
	MOVBLZX	(R9)(R8*1), R8
	SHLQ	$5, R8
	LEAQ	·dqPatterns(SB), R9
	ADDQ	R8, R9
	MOVWLZX	24(R9), R10
	CMPL	R10, DX
	JNE	fail
	MOVOU	(R9), X4
	PSHUFB	X4, X0
	MOVOU	dqWeights<>(SB), X5
	PMADDUBSW	X5, X0
	PHADDW	X0, X0 // the fields' values, in words 0 to 3
	MOVQ	X0, R10
	MOVQ	$0xff00ff00ff00ff00, R11
	TESTQ	R11, R10
	JNE	fail // above 255
	// the top bit of each word stays set unless the field is below its
	// least
	MOVQ	$0x8000800080008000, R11
	ORQ	R11, R10
	SUBQ	16(R9), R10
	ANDQ	R11, R10
	CMPQ	R10, R11
	JNE	fail
	PACKUSWB	X0, X0
	MOVQ	X0, AX
	BSWAPL	AX
	MOVL	AX, ret+16(FP)
	MOVB	$1, ret1+20(FP)
	RET
fail:
	MOVL	$0, ret+16(FP)
	MOVB	$0, ret1+20(FP)
	RET
