; Inno Setup script: installs the PyInstaller one-folder bundle (dist\deskapp) per user.
; Build on Windows: `make package` (or pyinstaller packaging\deskapp.spec), then
;   iscc /DAppVersion=0.1.0 packaging\windows\deskapp.iss
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6C1E5F2A-8D7B-4E8C-9F3A-DE5C0A0B1D42}
AppName=deskapp
AppVersion={#AppVersion}
AppPublisher=The deskapp team
DefaultDirName={localappdata}\Programs\deskapp
DefaultGroupName=deskapp
PrivilegesRequired=lowest
OutputDir=..\..\dist\installer
OutputBaseFilename=deskapp-{#AppVersion}-setup
SetupIconFile=..\..\build\icons\deskapp.ico
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\deskapp.exe

[Files]
Source: "..\..\dist\deskapp\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\deskapp"; Filename: "{app}\deskapp.exe"
Name: "{userdesktop}\deskapp"; Filename: "{app}\deskapp.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\deskapp.exe"; Description: "Start deskapp"; Flags: nowait postinstall skipifsilent
