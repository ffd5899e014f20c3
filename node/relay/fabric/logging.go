package fabric

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/hyperledger/fabric-sdk-go/pkg/core/logging/api"
)

// stderrLogging is fabric-sdk-go's logger provider for the relayer: the
// SDK's default logger writes to standard output, where the CLI prints
// its (JSON) results. This one writes warnings and errors to standard
// error and drops info and debug messages.
type stderrLogging struct{ w io.Writer }

func (p stderrLogging) GetLogger(module string) api.Logger {
	w := p.w
	if w == nil {
		w = os.Stderr
	}
	return &stderrLogger{log.New(w, "[fabric-sdk-go "+module+"] ", log.LUTC|log.Ldate|log.Ltime)}
}

type stderrLogger struct{ l *log.Logger }

func (s *stderrLogger) Fatal(v ...any)            { s.l.Fatal(v...) }
func (s *stderrLogger) Fatalf(f string, v ...any) { s.l.Fatalf(f, v...) }
func (s *stderrLogger) Fatalln(v ...any)          { s.l.Fatalln(v...) }
func (s *stderrLogger) Panic(v ...any)            { s.l.Panic(v...) }
func (s *stderrLogger) Panicf(f string, v ...any) { s.l.Panicf(f, v...) }
func (s *stderrLogger) Panicln(v ...any)          { s.l.Panicln(v...) }
func (s *stderrLogger) Print(v ...any)            { s.l.Print(v...) }
func (s *stderrLogger) Printf(f string, v ...any) { s.l.Printf(f, v...) }
func (s *stderrLogger) Println(v ...any)          { s.l.Println(v...) }
func (s *stderrLogger) Debug(...any)              {}
func (s *stderrLogger) Debugf(string, ...any)     {}
func (s *stderrLogger) Debugln(...any)            {}
func (s *stderrLogger) Info(...any)               {}
func (s *stderrLogger) Infof(string, ...any)      {}
func (s *stderrLogger) Infoln(...any)             {}
func (s *stderrLogger) Warn(v ...any)             { s.l.Print("WARN ", fmt.Sprint(v...)) }
func (s *stderrLogger) Warnf(f string, v ...any)  { s.l.Print("WARN ", fmt.Sprintf(f, v...)) }
func (s *stderrLogger) Warnln(v ...any)           { s.l.Print("WARN ", fmt.Sprintln(v...)) }
func (s *stderrLogger) Error(v ...any)            { s.l.Print("ERROR ", fmt.Sprint(v...)) }
func (s *stderrLogger) Errorf(f string, v ...any) { s.l.Print("ERROR ", fmt.Sprintf(f, v...)) }
func (s *stderrLogger) Errorln(v ...any)          { s.l.Print("ERROR ", fmt.Sprintln(v...)) }
