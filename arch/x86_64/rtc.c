/*
 * The CMOS real-time clock (MC146818, ports 0x70/0x71): arch_rtc_seconds.
 *
 * The clock is read between updates: wait until the update-in-progress
 * flag is clear, read every field, and read again until two readings
 * agree, so a read never mixes the seconds of one second with the minutes
 * of the next.  Fields may be BCD or binary and the hour 12- or 24-hour,
 * as status register B says.  The century comes from register 0x32 where
 * a plausible one is stored (QEMU does), else 20.  The clock is taken to
 * run on UTC (QEMU's default, -rtc base=utc).
 */
#include "arch.h"
#include "cpu.h"

#define CMOS_INDEX  0x70
#define CMOS_DATA   0x71
#define CMOS_NMI    0x80 /* keep NMIs disabled while selecting */
#define RTC_STATUSA 0x0A
#define RTC_STATUSB 0x0B
#define RTC_UIP     0x80 /* status A: an update is in progress */
#define RTC_BINARY  0x04 /* status B: fields are binary, not BCD */
#define RTC_24H     0x02 /* status B: 24-hour clock */
#define RTC_PM      0x80 /* hour field, 12-hour mode: after noon */
#define RTC_CENTURY 0x32

struct rtc_time {
    unsigned sec, min, hour, day, mon, year, century;
};

static unsigned cmos_read(unsigned reg)
{
    outb(CMOS_INDEX, CMOS_NMI | reg);
    return inb(CMOS_DATA);
}

static void rtc_read_raw(struct rtc_time *t)
{
    while (cmos_read(RTC_STATUSA) & RTC_UIP) {
        arch_cpu_relax();
    }
    t->sec = cmos_read(0x00);
    t->min = cmos_read(0x02);
    t->hour = cmos_read(0x04);
    t->day = cmos_read(0x07);
    t->mon = cmos_read(0x08);
    t->year = cmos_read(0x09);
    t->century = cmos_read(RTC_CENTURY);
}

static bool rtc_same(const struct rtc_time *a, const struct rtc_time *b)
{
    return a->sec == b->sec && a->min == b->min && a->hour == b->hour &&
           a->day == b->day && a->mon == b->mon && a->year == b->year &&
           a->century == b->century;
}

static unsigned bcd(unsigned v)
{
    return (v >> 4) * 10 + (v & 0x0F);
}

/* Days from 1970-01-01 to year-mon-day (proleptic Gregorian; Howard
 * Hinnant's days_from_civil). */
static uint64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
    unsigned era, yoe, doy, doe;

    y -= m <= 2;
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)era * 146097 + doe - 719468;
}

uint64_t arch_rtc_seconds(void)
{
    struct rtc_time a, b;
    unsigned regb, pm, century;

    rtc_read_raw(&b);
    do {
        a = b;
        rtc_read_raw(&b);
    } while (!rtc_same(&a, &b));
    regb = cmos_read(RTC_STATUSB);
    pm = a.hour & RTC_PM;
    a.hour &= ~RTC_PM;
    if (!(regb & RTC_BINARY)) {
        a.sec = bcd(a.sec);
        a.min = bcd(a.min);
        a.hour = bcd(a.hour);
        a.day = bcd(a.day);
        a.mon = bcd(a.mon);
        a.year = bcd(a.year);
        a.century = bcd(a.century);
    }
    if (!(regb & RTC_24H)) {
        a.hour = a.hour % 12 + (pm ? 12 : 0);
    }
    century = a.century >= 19 && a.century <= 99 ? a.century : 20;
    if (a.mon < 1 || a.mon > 12 || a.day < 1 || a.day > 31) {
        return 0; /* no clock worth the name */
    }
    return days_from_civil(century * 100 + a.year, a.mon, a.day) * 86400 +
           a.hour * 3600ULL + a.min * 60ULL + a.sec;
}
